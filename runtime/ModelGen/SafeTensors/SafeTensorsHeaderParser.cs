using System.Text.Json;
using System.Text.Unicode;

namespace ModelGen.SafeTensors;

/// <summary>
/// A tensor entry as written in the header, before its offsets and size are checked. <paramref name="Shape"/> holds
/// the unsigned dimensions as written, bit for bit (a dimension above <see cref="long.MaxValue"/> reads as negative
/// until the validator refuses it), so that the validated entry can keep this array instead of a copy.
/// A class, not a struct: a list of a struct, and its sort, are compiled in every fresh process (ReadyToRun code of
/// framework generics is shared only over classes), and the load waits for that on its first header.
/// </summary>
internal sealed record RawTensorEntry(string Name, SafeTensorsDType DType, long[] Shape, ulong Begin, ulong End);

/// <summary>The header JSON, parsed but not yet checked against the data buffer.</summary>
internal sealed record ParsedHeader(List<RawTensorEntry> Entries, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Parses a safetensors header (the JSON after the length prefix) with a forward-only reader, so that
/// duplicate keys, which a DOM parser would silently merge, are seen and rejected.
/// </summary>
internal static class SafeTensorsHeaderParser
{
    internal const string MetadataKey = "__metadata__";

    /// <summary>
    /// The deepest nesting of objects and arrays a header may have, the header object itself included: the reference
    /// implementation's JSON parser (serde_json) starts with a budget of 128 and fails when it reaches 0, so 127 levels
    /// pass and 128 do not. Deeper nesting is <see cref="SafeTensorsRule.InvalidJson"/>.
    /// </summary>
    internal const int MaxNestingDepth = 127;

    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    public static ParsedHeader Parse(ReadOnlySpan<byte> json, string filePath)
    {
        if (!Utf8.IsValid(json))
            throw new SafeTensorsFormatException(SafeTensorsRule.InvalidUtf8, filePath, null, "the header is not valid UTF-8.");

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = MaxNestingDepth });
        string? currentKey = null;
        try
        {
            return ParseDocument(ref reader, filePath, ref currentKey);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            // The reader throws these for malformed JSON or strings that cannot be decoded (for example lone surrogates).
            throw new SafeTensorsFormatException(SafeTensorsRule.InvalidJson, filePath, currentKey, $"the header is not valid JSON: {e.Message}", e);
        }
    }

    private static ParsedHeader ParseDocument(ref Utf8JsonReader reader, string filePath, ref string? currentKey)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw InvalidJson(filePath, null, "the header must be a JSON object.");

        var names = new HashSet<string>(StringComparer.Ordinal);
        var entries = new List<RawTensorEntry>();
        var scratch = new List<ulong>(8);
        IReadOnlyDictionary<string, string> metadata = NoMetadata;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            currentKey = name;
            if (!names.Add(name))
                throw new SafeTensorsFormatException(SafeTensorsRule.DuplicateKey, filePath, name, "the key appears more than once in the header.");
            reader.Read();
            if (name == MetadataKey)
                metadata = ParseMetadata(ref reader, filePath);
            else
                entries.Add(ParseEntry(ref reader, filePath, name, scratch));
        }
        currentKey = null;
        if (reader.TokenType != JsonTokenType.EndObject)
            throw InvalidJson(filePath, null, "the header object is not closed.");
        // Drain the reader: it rejects anything but whitespace after the top-level object.
        while (reader.Read())
        {
        }
        return new ParsedHeader(entries, metadata);
    }

    private static IReadOnlyDictionary<string, string> ParseMetadata(ref Utf8JsonReader reader, string filePath)
    {
        // The reference implementation reads __metadata__ as an optional map, so an explicit null means "none".
        if (reader.TokenType == JsonTokenType.Null)
            return NoMetadata;
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new SafeTensorsFormatException(SafeTensorsRule.InvalidMetadata, filePath, null, $"{MetadataKey} must be an object of string values, found {reader.TokenType}.");

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
                throw new SafeTensorsFormatException(SafeTensorsRule.InvalidMetadata, filePath, null, $"{MetadataKey} value of '{name}' must be a string, found {reader.TokenType}.");
            if (!metadata.TryAdd(name, reader.GetString()!))
                throw new SafeTensorsFormatException(SafeTensorsRule.DuplicateKey, filePath, null, $"{MetadataKey} key '{name}' appears more than once.");
        }
        return metadata;
    }

    private static RawTensorEntry ParseEntry(ref Utf8JsonReader reader, string filePath, string name, List<ulong> scratch)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw InvalidJson(filePath, name, $"a tensor entry must be an object with dtype, shape and data_offsets, found {reader.TokenType}.");

        // Field names are compared in place and numbers read into one scratch list: a header may hold a million
        // entries, and a string or a list per field would cost more than the entries themselves.
        SafeTensorsDType? dtype = null;
        string? unknownDType = null;
        long[]? shape = null;
        bool hasOffsets = false;
        ulong begin = 0, end = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("dtype"u8))
            {
                reader.Read();
                EnsureFirst(dtype is null && unknownDType is null, filePath, name, "dtype");
                dtype = ReadDType(ref reader, filePath, name, out unknownDType);
            }
            else if (reader.ValueTextEquals("shape"u8))
            {
                reader.Read();
                EnsureFirst(shape is null, filePath, name, "shape");
                ReadUnsignedArray(ref reader, filePath, name, "shape", scratch);
                shape = new long[scratch.Count];
                for (int i = 0; i < shape.Length; i++)
                    shape[i] = unchecked((long)scratch[i]);
            }
            else if (reader.ValueTextEquals("data_offsets"u8))
            {
                reader.Read();
                EnsureFirst(!hasOffsets, filePath, name, "data_offsets");
                ReadUnsignedArray(ref reader, filePath, name, "data_offsets", scratch);
                if (scratch.Count != 2)
                    throw InvalidJson(filePath, name, $"data_offsets must hold exactly two numbers [begin, end], found {scratch.Count}.");
                (begin, end, hasOffsets) = (scratch[0], scratch[1], true);
            }
            else
            {
                // Unknown fields are ignored, as the reference implementation does.
                reader.Read();
                reader.Skip();
            }
        }

        if ((dtype is null && unknownDType is null) || shape is null || !hasOffsets)
        {
            string missing = dtype is null && unknownDType is null ? "dtype" : shape is null ? "shape" : "data_offsets";
            throw InvalidJson(filePath, name, $"the entry has no '{missing}' field.");
        }
        if (dtype is not { } known)
            throw new SafeTensorsFormatException(SafeTensorsRule.UnknownDType, filePath, name, $"'{unknownDType}' is not a safetensors dtype.");
        return new RawTensorEntry(name, known, shape, begin, end);
    }

    /// <summary>A <c>dtype</c> value, matched without allocating (every dtype name is short); null and the spelling when unknown.</summary>
    private static SafeTensorsDType? ReadDType(ref Utf8JsonReader reader, string filePath, string name, out string? unknown)
    {
        unknown = null;
        if (reader.TokenType != JsonTokenType.String)
            throw InvalidJson(filePath, name, $"dtype must be a string, found {reader.TokenType}.");
        Span<char> text = stackalloc char[16];
        if (!reader.ValueIsEscaped && reader.ValueSpan.Length <= text.Length)
        {
            int length = System.Text.Encoding.UTF8.GetChars(reader.ValueSpan, text);
            if (SafeTensorsDTypes.TryParse(text[..length], out SafeTensorsDType parsed))
                return parsed;
        }
        string spelled = reader.GetString()!;
        if (SafeTensorsDTypes.TryParse(spelled, out SafeTensorsDType unescaped))
            return unescaped;
        unknown = spelled;
        return null;
    }

    private static void EnsureFirst(bool first, string filePath, string name, string field)
    {
        if (!first)
            throw new SafeTensorsFormatException(SafeTensorsRule.DuplicateKey, filePath, name, $"the field '{field}' appears more than once in the entry.");
    }

    /// <summary>Reads an array of non-negative integers into <paramref name="values"/> (cleared first).</summary>
    private static void ReadUnsignedArray(ref Utf8JsonReader reader, string filePath, string name, string field, List<ulong> values)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw InvalidJson(filePath, name, $"{field} must be an array of non-negative integers, found {reader.TokenType}.");
        values.Clear();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            // Only plain digit runs are integers here: no sign, fraction or exponent (the reference reads usize).
            if (reader.TokenType != JsonTokenType.Number || !IsDigits(reader.ValueSpan) || !reader.TryGetUInt64(out ulong value))
                throw InvalidJson(filePath, name, $"{field} must hold non-negative integers below 2^64.");
            values.Add(value);
        }
    }

    private static bool IsDigits(ReadOnlySpan<byte> text)
    {
        foreach (byte b in text)
        {
            if (b is < (byte)'0' or > (byte)'9')
                return false;
        }
        return text.Length > 0;
    }

    private static SafeTensorsFormatException InvalidJson(string filePath, string? key, string detail) =>
        new(SafeTensorsRule.InvalidJson, filePath, key, detail);
}
