// Checkpoint manifests for ModelGen: reads only the headers of safetensors files (never the weight bytes) and
// writes one line per tensor, "key DTYPE [d0,d1,...]", sorted by key. Compiled into the build task assembly (the
// ModelGenWriteCheckpointManifests task of ModelGen.Checkpoints.targets) and, linked as source, into the modelgen
// command that writes manifests for users to commit, so both write the same text. The JSON is read by
// Json/SmallJsonReader.cs, which every assembly compiling this file compiles too.
#nullable enable
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using ModelGen.Json;

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
            SmallJsonValue root = ParseJson(File.ReadAllText(path));
            if (root.Kind != SmallJsonKind.Object) throw new InvalidDataException("the index is not a JSON object");
            SmallJsonValue? map = root.Find("weight_map");
            if (map is null || map.Kind != SmallJsonKind.Object) throw new InvalidDataException("the index has no weight_map object");
            var shards = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
            foreach (SmallJsonMember entry in map.Members)
            {
                if (entry.Value.Kind != SmallJsonKind.String) throw new InvalidDataException($"weight_map entry '{entry.Name}' is not a file name");
                string shard = entry.Value.Text;
                if (!shards.TryGetValue(shard, out Dictionary<string, string>? described))
                {
                    string shardPath = Path.Combine(directory, shard);
                    // Shards absent on this machine: the index alone still gives every key.
                    described = File.Exists(shardPath) ? ReadHeader(shardPath) : new Dictionary<string, string>(StringComparer.Ordinal);
                    shards[shard] = described;
                }
                entries[entry.Name] = described.TryGetValue(entry.Name, out string? line) ? line : entry.Name;
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
        SmallJsonValue header = ParseJson(json);
        if (header.Kind != SmallJsonKind.Object) throw new InvalidDataException("the header is not a JSON object");
        var lines = new Dictionary<string, string>(StringComparer.Ordinal);
        long dataLength = fileLength - 8 - (long)headerLength;
        foreach (SmallJsonMember entry in header.Members)
        {
            string key = entry.Name;
            if (key == "__metadata__") continue;
            SmallJsonValue tensor = entry.Value;
            if (tensor.Kind != SmallJsonKind.Object) throw new InvalidDataException($"tensor '{key}' is not an object");
            SmallJsonValue? dtype = tensor.Find("dtype");
            if (dtype is null || dtype.Kind != SmallJsonKind.String) throw new InvalidDataException($"tensor '{key}' has no dtype");
            SmallJsonValue? shape = tensor.Find("shape");
            if (shape is null || shape.Kind != SmallJsonKind.Array) throw new InvalidDataException($"tensor '{key}' has no shape");
            SmallJsonValue? offsets = tensor.Find("data_offsets");
            if (offsets is null || offsets.Kind != SmallJsonKind.Array || offsets.Items.Count != 2
                || Integer(offsets.Items[1], key) > dataLength || Integer(offsets.Items[0], key) > Integer(offsets.Items[1], key))
                throw new InvalidDataException($"tensor '{key}' has data offsets outside the file");
            string dims = string.Join(",", shape.Items.Select(x => Integer(x, key).ToString(CultureInfo.InvariantCulture)));
            if (key.Length == 0 || key.Any(char.IsWhiteSpace)) throw new InvalidDataException($"tensor key '{key}' is empty or contains whitespace");
            lines[key] = key + " " + dtype.Text + " [" + dims + "]";
        }
        return lines;
    }

    /// <summary>JSON with each key once per object, as the safetensors reference requires; errors name the character offset.</summary>
    private static SmallJsonValue ParseJson(string text)
    {
        try
        {
            return SmallJsonReader.Parse(text, SmallJsonRules.RejectDuplicateKeys);
        }
        catch (SmallJsonException e)
        {
            throw new InvalidDataException($"invalid JSON at character {e.Offset.ToString(CultureInfo.InvariantCulture)}: {e.Message}");
        }
    }

    private static long Integer(SmallJsonValue value, string key) =>
        value.Kind == SmallJsonKind.Number && long.TryParse(value.Text, NumberStyles.None, CultureInfo.InvariantCulture, out long n)
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
}
