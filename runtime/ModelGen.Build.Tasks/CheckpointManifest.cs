// Checkpoint manifests for ModelGen: reads only the headers of safetensors files (never the weight bytes) and
// writes one line per tensor, "key DTYPE [d0,d1,...]", sorted by key. Compiled into the build task assembly (the
// ModelGenWriteCheckpointManifests task of ModelGen.Checkpoints.targets) and, linked as source, into the modelgen
// command that writes manifests for users to commit, so both write the same text.
#nullable enable
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

/// <summary>Turns checkpoint headers into manifest text.</summary>
public static class CheckpointManifest
{
    /// <summary>Largest header the safetensors reference implementation accepts.</summary>
    public const long MaxHeaderLength = 100_000_000;

    private const string IndexSuffix = ".index.json";

    /// <summary>True for files whose headers are read (.safetensors and *.index.json); false for manifests.</summary>
    public static bool IsCheckpoint(string path) =>
        path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) || path.EndsWith(IndexSuffix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Manifest text of a .safetensors file or a model.safetensors.index.json.</summary>
    public static string FromCheckpoint(string path)
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (path.EndsWith(IndexSuffix, StringComparison.OrdinalIgnoreCase))
        {
            string directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
            var root = Json.Parse(File.ReadAllText(path)) as Dictionary<string, object?>
                ?? throw new InvalidDataException("the index is not a JSON object");
            var map = (root.TryGetValue("weight_map", out object? m) ? m : null) as Dictionary<string, object?>
                ?? throw new InvalidDataException("the index has no weight_map object");
            var shards = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
            foreach (var pair in map)
            {
                string shard = pair.Value as string ?? throw new InvalidDataException($"weight_map entry '{pair.Key}' is not a file name");
                if (!shards.TryGetValue(shard, out Dictionary<string, string>? described))
                {
                    string shardPath = Path.Combine(directory, shard);
                    // Shards absent on this machine: the index alone still gives every key.
                    described = File.Exists(shardPath) ? ReadHeader(shardPath) : new Dictionary<string, string>(StringComparer.Ordinal);
                    shards[shard] = described;
                }
                entries[pair.Key] = described.TryGetValue(pair.Key, out string? line) ? line : pair.Key;
            }
        }
        else
        {
            foreach (var pair in ReadHeader(path)) entries[pair.Key] = pair.Value;
        }
        var text = new StringBuilder();
        text.Append("# ModelGen checkpoint manifest of ").Append(Path.GetFileName(path)).Append(": key dtype shape\n");
        foreach (string line in entries.Values) text.Append(line).Append('\n');
        return text.ToString();
    }

    /// <summary>Manifest lines ("key DTYPE [shape]") of one safetensors file, read from its header only.</summary>
    public static Dictionary<string, string> ReadHeader(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        long fileLength = stream.Length;
        if (fileLength < 8) throw new InvalidDataException("the file is shorter than the 8-byte header length");
        byte[] prefix = ReadExactly(stream, 8);
        ulong headerLength = BitConverter.ToUInt64(prefix, 0);
        if (!BitConverter.IsLittleEndian) headerLength = Reverse(prefix);
        if (headerLength > MaxHeaderLength) throw new InvalidDataException($"the header length {headerLength} exceeds {MaxHeaderLength}");
        if ((long)headerLength > fileLength - 8) throw new InvalidDataException("the header runs past the end of the file");
        string json;
        try
        {
            json = new UTF8Encoding(false, true).GetString(ReadExactly(stream, (int)headerLength));
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidDataException("the header is not valid UTF-8");
        }
        var header = Json.Parse(json) as Dictionary<string, object?> ?? throw new InvalidDataException("the header is not a JSON object");
        var lines = new Dictionary<string, string>(StringComparer.Ordinal);
        long dataLength = fileLength - 8 - (long)headerLength;
        foreach (var pair in header)
        {
            if (pair.Key == "__metadata__") continue;
            var tensor = pair.Value as Dictionary<string, object?> ?? throw new InvalidDataException($"tensor '{pair.Key}' is not an object");
            string dtype = (tensor.TryGetValue("dtype", out object? d) ? d : null) as string ?? throw new InvalidDataException($"tensor '{pair.Key}' has no dtype");
            var shape = (tensor.TryGetValue("shape", out object? s) ? s : null) as List<object?> ?? throw new InvalidDataException($"tensor '{pair.Key}' has no shape");
            var offsets = (tensor.TryGetValue("data_offsets", out object? o) ? o : null) as List<object?>;
            if (offsets is null || offsets.Count != 2 || Integer(offsets[1], pair.Key) > dataLength || Integer(offsets[0], pair.Key) > Integer(offsets[1], pair.Key))
                throw new InvalidDataException($"tensor '{pair.Key}' has data offsets outside the file");
            string dims = string.Join(",", shape.Select(x => Integer(x, pair.Key).ToString(CultureInfo.InvariantCulture)));
            if (pair.Key.Length == 0 || pair.Key.Any(char.IsWhiteSpace)) throw new InvalidDataException($"tensor key '{pair.Key}' is empty or contains whitespace");
            lines[pair.Key] = pair.Key + " " + dtype + " [" + dims + "]";
        }
        return lines;
    }

    private static long Integer(object? value, string key) =>
        value is string digits && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long n)
            ? n
            : throw new InvalidDataException($"tensor '{key}' has a value that is not a non-negative integer");

    private static byte[] ReadExactly(Stream stream, int count)
    {
        byte[] buffer = new byte[count];
        int read = 0;
        while (read < count)
        {
            int n = stream.Read(buffer, read, count - read);
            if (n == 0) throw new InvalidDataException("the file ends inside the header");
            read += n;
        }
        return buffer;
    }

    private static ulong Reverse(byte[] bytes)
    {
        ulong value = 0;
        for (int i = 7; i >= 0; i--) value = (value << 8) | bytes[i];
        return value;
    }

    /// <summary>
    /// A small JSON reader: objects become dictionaries (duplicate keys rejected), arrays lists, strings strings,
    /// numbers their literal text, true/false booleans and null null.
    /// </summary>
    public static class Json
    {
        /// <summary>The value <paramref name="text"/> holds; <see cref="InvalidDataException"/> naming the position when it is not JSON.</summary>
        public static object? Parse(string text)
        {
            int position = 0;
            object? value = ReadValue(text, ref position, 0);
            SkipWhitespace(text, ref position);
            if (position != text.Length) throw Error(position, "unexpected text after the value");
            return value;
        }

        private static object? ReadValue(string text, ref int position, int depth)
        {
            if (depth > 64) throw Error(position, "nesting too deep");
            SkipWhitespace(text, ref position);
            if (position >= text.Length) throw Error(position, "unexpected end");
            char c = text[position];
            switch (c)
            {
                case '{': return ReadObject(text, ref position, depth);
                case '[': return ReadArray(text, ref position, depth);
                case '"': return ReadString(text, ref position);
                case 't': Expect(text, ref position, "true"); return true;
                case 'f': Expect(text, ref position, "false"); return false;
                case 'n': Expect(text, ref position, "null"); return null;
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return ReadNumber(text, ref position);
                    throw Error(position, $"unexpected character '{c}'");
            }
        }

        private static Dictionary<string, object?> ReadObject(string text, ref int position, int depth)
        {
            var result = new Dictionary<string, object?>(StringComparer.Ordinal);
            position++;
            SkipWhitespace(text, ref position);
            if (position < text.Length && text[position] == '}') { position++; return result; }
            while (true)
            {
                SkipWhitespace(text, ref position);
                if (position >= text.Length || text[position] != '"') throw Error(position, "expected a key");
                int keyAt = position;
                string key = ReadString(text, ref position);
                SkipWhitespace(text, ref position);
                if (position >= text.Length || text[position] != ':') throw Error(position, "expected ':'");
                position++;
                object? value = ReadValue(text, ref position, depth + 1);
                if (result.ContainsKey(key)) throw Error(keyAt, $"duplicate key '{key}'");
                result.Add(key, value);
                SkipWhitespace(text, ref position);
                if (position < text.Length && text[position] == ',') { position++; continue; }
                if (position < text.Length && text[position] == '}') { position++; return result; }
                throw Error(position, "expected ',' or '}'");
            }
        }

        private static List<object?> ReadArray(string text, ref int position, int depth)
        {
            var result = new List<object?>();
            position++;
            SkipWhitespace(text, ref position);
            if (position < text.Length && text[position] == ']') { position++; return result; }
            while (true)
            {
                result.Add(ReadValue(text, ref position, depth + 1));
                SkipWhitespace(text, ref position);
                if (position < text.Length && text[position] == ',') { position++; continue; }
                if (position < text.Length && text[position] == ']') { position++; return result; }
                throw Error(position, "expected ',' or ']'");
            }
        }

        private static string ReadString(string text, ref int position)
        {
            var builder = new StringBuilder();
            position++;
            while (position < text.Length)
            {
                char c = text[position++];
                if (c == '"') return builder.ToString();
                if (c < ' ') throw Error(position - 1, "control character in a string");
                if (c != '\\') { builder.Append(c); continue; }
                if (position >= text.Length) break;
                char e = text[position++];
                switch (e)
                {
                    case '"': builder.Append('"'); break;
                    case '\\': builder.Append('\\'); break;
                    case '/': builder.Append('/'); break;
                    case 'b': builder.Append('\b'); break;
                    case 'f': builder.Append('\f'); break;
                    case 'n': builder.Append('\n'); break;
                    case 'r': builder.Append('\r'); break;
                    case 't': builder.Append('\t'); break;
                    case 'u':
                        if (position + 4 > text.Length || !ushort.TryParse(text.Substring(position, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ushort code))
                            throw Error(position, "invalid \\u escape");
                        builder.Append((char)code);
                        position += 4;
                        break;
                    default: throw Error(position - 1, $"invalid escape '\\{e}'");
                }
            }
            throw Error(position, "unterminated string");
        }

        private static string ReadNumber(string text, ref int position)
        {
            int start = position;
            while (position < text.Length && "+-0123456789.eE".IndexOf(text[position]) >= 0) position++;
            string number = text.Substring(start, position - start);
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) throw Error(start, $"invalid number '{number}'");
            return number;
        }

        private static void Expect(string text, ref int position, string word)
        {
            if (string.CompareOrdinal(text, position, word, 0, word.Length) != 0) throw Error(position, $"expected '{word}'");
            position += word.Length;
        }

        private static void SkipWhitespace(string text, ref int position)
        {
            while (position < text.Length && (text[position] == ' ' || text[position] == '\t' || text[position] == '\n' || text[position] == '\r')) position++;
        }

        private static InvalidDataException Error(int position, string message) =>
            new InvalidDataException($"invalid JSON at character {position}: {message}");
    }
}
