using ModelGen.Cli.Commands;
using ModelGen.SafeTensors;

namespace ModelGen.Cli.Check;

/// <summary>One checkpoint key with its dtype, and its byte size when the source has it (a manifest does not).</summary>
internal sealed record CheckpointKeyInfo(string Key, string DType, long? Bytes);

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
        var keys = checkpoint.Entries.Select(e => new CheckpointKeyInfo(e.Name, e.DType.ToString(), e.ByteLength)).ToList();
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
            keys.Add(new CheckpointKeyInfo(fields[0], fields.Length > 1 ? fields[1] : "?", null));
        }
        return new CheckpointKeySet(path, keys);
    }

    /// <summary>Tensors (and bytes, when known) per dtype, in ordinal dtype order.</summary>
    public IReadOnlyList<(string DType, int Tensors, long? Bytes)> DTypes() =>
        Keys.GroupBy(k => k.DType, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count(), g.All(k => k.Bytes is not null) ? g.Sum(k => k.Bytes!.Value) : (long?)null))
            .ToList();
}
