using System.Text.Json;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Mapping;
using ModelGen.Generator.Parsing;

namespace ModelGen.Cli.Check;

/// <summary>A model's shape table as the build evaluated it, and the tied and computed entries of its key table.</summary>
internal sealed record BuildShapes(ShapeTable Shapes, KeyTable Keys);

/// <summary>
/// Reads the shape table the generator writes into a model's key table (<c>CheckpointKeyTable.ShapeTable</c>, written by
/// <see cref="ShapeTableText"/>) back into the generator's own records, so the build's checks can run on it unchanged.
/// Source positions come back as C# positions with the file name only, which is all a message names of them.
/// </summary>
internal static class ShapeTableReader
{
    /// <summary>The format version this reader understands: the one the generator it is built with writes.</summary>
    public const int Format = ShapeTableText.Format;

    /// <exception cref="InvalidDataException">The text is not a shape table of <see cref="Format"/>.</exception>
    public static BuildShapes Read(string text)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(text);
            JsonElement root = document.RootElement;
            int format = root.GetProperty("format").GetInt32();
            if (format != Format)
                throw new InvalidDataException($"the model's shape table has format {format}, but this modelgen reads format {Format}; use the modelgen of the model's ModelGen version");
            string model = root.GetProperty("model").GetString()!;
            var keys = root.GetProperty("keys").EnumerateArray().Select(k => new ShapedKey(
                k[0].GetString()!,
                k[1].EnumerateArray().Select(d => Dim(d)!).ToEquatableArray(),
                k[2].GetString(),
                Dim(k[3]),
                k[4].GetString()!,
                Location(k[5]))).ToEquatableArray();
            var lists = root.GetProperty("lists").EnumerateArray().Select(l => new ShapedList(
                l[0].GetString()!, l[1].GetInt32(), Dim(l[2]), l[3].GetString()!, Location(l[4]))).ToEquatableArray();
            // Only what the shape, tie and config checks read of a key entry: pattern, tie, computed flag, member, position.
            var entries = root.GetProperty("ties").EnumerateArray().Select(t => new KeyEntry(
                t[0].GetString()!, SlotKind.Parameter, "", null, false, t[1].GetString(), t[2].GetBoolean(), t[3].GetString()!, Location(t[4]),
                EquatableArray<ModelGen.Generator.Mapping.ListAnchor>.Empty)).ToEquatableArray();
            return new BuildShapes(
                new ShapeTable(model, Location(root.GetProperty("at")), keys, lists),
                new KeyTable(model, entries, EquatableArray<string>.Empty, EquatableArray<DiagnosticInfo>.Empty));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"the model's shape table cannot be read: {e.Message}", e);
        }
    }

    private static DimExpr? Dim(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Null) return null;
        return new DimExpr(
            Enum.Parse<DimKind>(e[0].GetString()!),
            e[1].GetInt64(),
            e[2].GetString()!,
            e[3].GetString(),
            e[6].EnumerateArray().Select(o => Dim(o)!).ToEquatableArray(),
            e[4].GetString()!,
            Location(e[5]));
    }

    private static LocationInfo? Location(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Null) return null;
        var span = new LinePositionSpan(new LinePosition(e[1].GetInt32(), e[2].GetInt32()), new LinePosition(e[3].GetInt32(), e[4].GetInt32()));
        return new LocationInfo(e[0].GetString()!, default, span, InSource: true);
    }
}
