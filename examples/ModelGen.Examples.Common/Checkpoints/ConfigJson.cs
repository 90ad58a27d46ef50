using System.Globalization;
using System.Text.Json;

namespace ModelGen.Examples.Checkpoints;

/// <summary>
/// Typed reads from a Hugging Face <c>config.json</c>: required fields fail with the field's name, optional ones
/// fall back to the library default. <c>null</c> values count as absent, as transformers treats them.
/// </summary>
public sealed class ConfigJson
{
    private readonly JsonElement _root;
    private readonly string _path;

    private ConfigJson(JsonElement root, string path)
    {
        _root = root;
        _path = path;
    }

    /// <summary>Parses the text of a config file.</summary>
    /// <exception cref="FormatException">The text is not a JSON object.</exception>
    public static ConfigJson Parse(string text)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new FormatException("config.json must hold a JSON object.");
            return new ConfigJson(document.RootElement.Clone(), "");
        }
        catch (JsonException e)
        {
            throw new FormatException($"config.json is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>A required integer field.</summary>
    public int Int(string name) => TryGet(name, out JsonElement value) ? ReadInt(name, value) : throw Missing(name);

    /// <summary>An optional integer field.</summary>
    public int? OptionalInt(string name) => TryGet(name, out JsonElement value) ? ReadInt(name, value) : null;

    /// <summary>An optional number field, or <paramref name="fallback"/>.</summary>
    public double Double(string name, double fallback) => OptionalDouble(name) ?? fallback;

    /// <summary>A required number field.</summary>
    public double RequiredDouble(string name) => OptionalDouble(name) ?? throw Missing(name);

    /// <summary>An optional number field, or <see langword="null"/>.</summary>
    public double? OptionalDouble(string name) =>
        TryGet(name, out JsonElement value)
            ? value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw Wrong(name, "a number", value)
            : null;

    /// <summary>
    /// Whether the field is written with the value <c>null</c>. transformers gives some fields a default when they
    /// are absent but honours an explicit <c>null</c> (Mistral's <c>sliding_window</c>: absent is 4096, null is none).
    /// </summary>
    public bool IsNull(string name) => _root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Null;

    /// <summary>Whether the field is present and holds an object.</summary>
    public bool IsObject(string name) => TryGet(name, out JsonElement value) && value.ValueKind == JsonValueKind.Object;

    /// <summary>Whether the field is present with a value other than <c>null</c>.</summary>
    public bool Has(string name) => TryGet(name, out _);

    /// <summary>The names of the fields of this object, in file order.</summary>
    public IEnumerable<string> FieldNames => _root.EnumerateObject().Select(p => p.Name);

    /// <summary>An optional array of strings, or <see langword="null"/>.</summary>
    public IReadOnlyList<string>? StringArray(string name)
    {
        if (!TryGet(name, out JsonElement value)) return null;
        if (value.ValueKind != JsonValueKind.Array) throw Wrong(name, "an array of strings", value);
        return value.EnumerateArray()
            .Select(item => item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Wrong(name, "an array of strings", value))
            .ToArray();
    }

    /// <summary>The full name of a field of this object in messages (<c>rope_parameters.factor</c> for a nested one).</summary>
    public string FieldPath(string name) => _path + name;

    /// <summary>An optional boolean field, or <paramref name="fallback"/>.</summary>
    public bool Bool(string name, bool fallback) =>
        TryGet(name, out JsonElement value)
            ? value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Wrong(name, "true or false", value),
            }
            : fallback;

    /// <summary>An optional string field, or <see langword="null"/>.</summary>
    public string? String(string name) =>
        TryGet(name, out JsonElement value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw Wrong(name, "a string", value)
            : null;

    /// <summary>An optional object field, or <see langword="null"/>.</summary>
    public ConfigJson? Object(string name) =>
        TryGet(name, out JsonElement value)
            ? value.ValueKind == JsonValueKind.Object ? new ConfigJson(value, _path + name + ".") : throw Wrong(name, "an object", value)
            : null;

    /// <summary>Whether the field is present with a value other than <c>null</c>, an empty array or an empty object.</summary>
    public bool HasNonEmpty(string name) =>
        TryGet(name, out JsonElement value) && value.ValueKind switch
        {
            JsonValueKind.Array => value.GetArrayLength() > 0,
            JsonValueKind.Object => value.EnumerateObject().Any(),
            _ => true,
        };

    private bool TryGet(string name, out JsonElement value) =>
        _root.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    private int ReadInt(string name, JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int result) ? result : throw Wrong(name, "an integer", value);

    private FormatException Missing(string name) => new($"config.json lacks the required field '{FieldPath(name)}'.");

    private FormatException Wrong(string name, string expected, JsonElement value) =>
        new(string.Create(CultureInfo.InvariantCulture, $"config.json field '{FieldPath(name)}' must be {expected}, not {value.GetRawText()}."));
}
