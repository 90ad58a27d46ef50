using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ModelGen.Cli.Output;

/// <summary>Writes the single JSON document a command prints with <c>--json</c>.</summary>
internal static class JsonOutput
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        // Keys such as "model.layers.0.mlp" read better unescaped; the output is a document, not HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(TextWriter output, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    public static void WriteShape(Utf8JsonWriter writer, string name, IReadOnlyList<long> shape)
    {
        writer.WriteStartArray(name);
        foreach (long dimension in shape) writer.WriteNumberValue(dimension);
        writer.WriteEndArray();
    }

    public static string Shape(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";
}
