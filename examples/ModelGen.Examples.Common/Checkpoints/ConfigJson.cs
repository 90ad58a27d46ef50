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

    private ConfigJson(JsonElement root) => _root = root;

    /// <summary>Parses the text of a config file.</summary>
    /// <exception cref="FormatException">The text is not a JSON object.</exception>
    public static ConfigJson Parse(string text)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new FormatException("config.json must hold a JSON object.");
            return new ConfigJson(document.RootElement.Clone());
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
    public double Double(string name, double fallback) =>
        TryGet(name, out JsonElement value)
            ? value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw Wrong(name, "a number", value)
            : fallback;

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
            ? value.ValueKind == JsonValueKind.Object ? new ConfigJson(value) : throw Wrong(name, "an object", value)
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

    private static int ReadInt(string name, JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int result) ? result : throw Wrong(name, "an integer", value);

    private static FormatException Missing(string name) => new($"config.json lacks the required field '{name}'.");

    private static FormatException Wrong(string name, string expected, JsonElement value) =>
        new(string.Create(CultureInfo.InvariantCulture, $"config.json field '{name}' must be {expected}, not {value.GetRawText()}."));
}
