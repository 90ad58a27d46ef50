using System.Text.Json;
using System.Text.Unicode;

namespace ModelGen.SafeTensors;

/// <summary>
/// The parsed <c>model.safetensors.index.json</c>: the weight map (key to file name relative to the index's
/// folder) and the declared total size. Duplicate keys are rejected rather than silently merged.
/// </summary>
internal sealed class SafeTensorsIndexFile
{
    /// <summary>Index files are small; anything larger than this is refused before it is read into memory.</summary>
    private const long MaxIndexLength = 100_000_000;

    private SafeTensorsIndexFile(IReadOnlyList<KeyValuePair<string, string>> weightMap, long? declaredTotalSize)
    {
        WeightMap = weightMap;
        DeclaredTotalSize = declaredTotalSize;
    }

    /// <summary>Key and file pairs, in the order of the JSON.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> WeightMap { get; }

    /// <summary><c>metadata.total_size</c> when present and a non-negative integer.</summary>
    public long? DeclaredTotalSize { get; }

    public static SafeTensorsIndexFile Read(string indexPath)
    {
        byte[] json;
        using (var handle = SafeTensorsFile.OpenReadOnly(indexPath, SafeTensorsRule.FileNotFound))
        {
            long length = RandomAccess.GetLength(handle);
            if (length > MaxIndexLength)
                throw Invalid(indexPath, null, $"the index has {length} bytes, more than the {MaxIndexLength} an index may have.");
            json = new byte[length];
            FileReads.ReadExactly(handle, json, 0, indexPath, null);
        }
        return Parse(json, indexPath);
    }

    public static SafeTensorsIndexFile Parse(ReadOnlySpan<byte> json, string indexPath)
    {
        if (!Utf8.IsValid(json))
            throw Invalid(indexPath, null, "the index is not valid UTF-8.");
        var reader = new Utf8JsonReader(json);
        try
        {
            return ParseDocument(ref reader, indexPath);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new SafeTensorsIndexException(SafeTensorsRule.InvalidIndex, indexPath, null, $"the index is not valid JSON: {e.Message}", e);
        }
    }

    private static SafeTensorsIndexFile ParseDocument(ref Utf8JsonReader reader, string indexPath)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw Invalid(indexPath, null, "the index must be a JSON object.");

        List<KeyValuePair<string, string>>? weightMap = null;
        long? totalSize = null;
        bool seenMetadata = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            reader.Read();
            switch (name)
            {
                case "weight_map":
                    if (weightMap is not null)
                        throw Invalid(indexPath, null, "'weight_map' appears more than once.");
                    weightMap = ReadWeightMap(ref reader, indexPath);
                    break;
                case "metadata":
                    if (seenMetadata)
                        throw Invalid(indexPath, null, "'metadata' appears more than once.");
                    seenMetadata = true;
                    totalSize = ReadTotalSize(ref reader, indexPath);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        while (reader.Read())
        {
        }
        return weightMap is null
            ? throw Invalid(indexPath, null, "the index has no 'weight_map' object.")
            : new SafeTensorsIndexFile(weightMap, totalSize);
    }

    private static List<KeyValuePair<string, string>> ReadWeightMap(ref Utf8JsonReader reader, string indexPath)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Invalid(indexPath, null, $"'weight_map' must be an object of key to file name, found {reader.TokenType}.");
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var map = new List<KeyValuePair<string, string>>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
                throw Invalid(indexPath, key, $"the weight_map value must be a file name, found {reader.TokenType}.");
            if (!keys.Add(key))
                throw Invalid(indexPath, key, "the key appears more than once in weight_map.");
            map.Add(new KeyValuePair<string, string>(key, reader.GetString()!));
        }
        return map;
    }

    private static long? ReadTotalSize(ref Utf8JsonReader reader, string indexPath)
    {
        if (reader.TokenType == JsonTokenType.Null)
            return null;
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Invalid(indexPath, null, $"'metadata' must be an object, found {reader.TokenType}.");
        long? totalSize = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            reader.Read();
            // Some writers store total_size as a float (e.g. 1.2e10): accept any number that is a whole, non-negative value.
            if (name == "total_size" && reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out double value)
                && value >= 0 && value < 9e18 && Math.Floor(value) == value)
                totalSize = reader.TryGetInt64(out long exact) ? exact : (long)value;
            else
                reader.Skip();
        }
        return totalSize;
    }

    private static SafeTensorsIndexException Invalid(string indexPath, string? key, string detail) =>
        new(SafeTensorsRule.InvalidIndex, indexPath, key, detail);
}
