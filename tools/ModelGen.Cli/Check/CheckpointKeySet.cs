using ModelGen.Cli.Commands;
using ModelGen.SafeTensors;

namespace ModelGen.Cli.Check;

/// <summary>
/// One checkpoint key with its dtype, its byte size when the source has it (a manifest does not), and its shape when
/// the source has it (a manifest line may leave it out).
/// </summary>
internal sealed record CheckpointKeyInfo(string Key, string DType, long? Bytes, IReadOnlyList<long>? Shape = null);

/// <summary>
/// The keys a check compares: read from checkpoint headers (validated through a full open), or from a committed
/// manifest (<c>key DTYPE [shape]</c> lines, <c>#</c> comments), which is what a build without the weights sees.
/// </summary>
internal sealed record CheckpointKeySet(string Path, IReadOnlyList<CheckpointKeyInfo> Keys)
{
    public static CheckpointKeySet Read(string path)
    {
        if (File.Exists(path) && !CheckpointManifest.IsCheckpoint(path))
            return FromManifest(System.IO.Path.GetFullPath(path));
        using SafeTensorsCheckpoint checkpoint = SafeTensorsCheckpoint.Open(path);
        var keys = checkpoint.Entries.Select(e => new CheckpointKeyInfo(e.Name, e.DType.ToString(), e.ByteLength, e.Shape.ToArray())).ToList();
        return new CheckpointKeySet(CheckpointLocation.OpenedPath(checkpoint), keys);
    }

    private static CheckpointKeySet FromManifest(string path)
    {
        var keys = new List<CheckpointKeyInfo>();
        foreach (string raw in File.ReadLines(path))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            string[] fields = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            keys.Add(new CheckpointKeyInfo(fields[0], fields.Length > 1 ? fields[1] : "?", null, fields.Length > 2 ? Dimensions(fields[2]) : null));
        }
        return new CheckpointKeySet(path, keys);
    }

    /// <summary>The dimensions of a manifest shape such as <c>[4096, 1]</c> (spaces allowed); null when it is not one.</summary>
    private static IReadOnlyList<long>? Dimensions(string text)
    {
        string inner = text.Trim();
        if (inner.Length < 2 || inner[0] != '[' || inner[^1] != ']') return null;
        inner = inner[1..^1];
        if (inner.Trim().Length == 0) return [];
        var dims = new List<long>();
        foreach (string part in inner.Split(','))
        {
            if (!long.TryParse(part.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long dim)) return null;
            dims.Add(dim);
        }
        return dims;
    }

    /// <summary>Tensors (and bytes, when known) per dtype, in ordinal dtype order.</summary>
    public IReadOnlyList<(string DType, int Tensors, long? Bytes)> DTypes() =>
        Keys.GroupBy(k => k.DType, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count(), g.All(k => k.Bytes is not null) ? g.Sum(k => k.Bytes!.Value) : (long?)null))
            .ToList();
}
