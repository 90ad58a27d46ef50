using System.Collections.Generic;
using ModelGen.Generator.Manifest;

namespace ModelGen.Generator.Mapping;

/// <summary>A checkpoint key matched to the model key pattern that takes it, with the list indices it carries.</summary>
internal readonly struct ShapeMatch
{
    public ShapeMatch(ShapedKey key, ManifestEntry entry, string tuple)
    {
        Key = key;
        Entry = entry;
        Tuple = tuple;
    }

    public ShapedKey Key { get; }
    public ManifestEntry Entry { get; }

    /// <summary>The digit segments of the checkpoint key (list indices), comma-joined.</summary>
    public string Tuple { get; }

    /// <summary>Pairs every checkpoint key with its model pattern (exact, list indices, or a module dictionary key); keys the model does not take are left out.</summary>
    public static List<ShapeMatch> All(ShapeTable table, ManifestSpec manifest)
    {
        var exact = new Dictionary<string, ShapedKey>(System.StringComparer.Ordinal);
        var wildcard = new List<(string[] Segments, ShapedKey Key)>();
        foreach (ShapedKey key in table.Keys)
        {
            if (key.Pattern.Contains(KeyTableBuilder.DictKey)) wildcard.Add((key.Pattern.Split('.'), key));
            else exact[key.Pattern] = key;
        }
        var result = new List<ShapeMatch>(manifest.Entries.Count);
        foreach (ManifestEntry entry in manifest.Entries)
        {
            if (exact.TryGetValue(entry.Key, out ShapedKey? key))
            {
                result.Add(new ShapeMatch(key, entry, ""));
                continue;
            }
            string shape = CheckpointMatcher.Shape(entry.Key, out string tuple);
            if (exact.TryGetValue(shape, out key))
            {
                result.Add(new ShapeMatch(key, entry, tuple));
                continue;
            }
            if (wildcard.Count == 0) continue;
            string[] segments = entry.Key.Split('.');
            foreach (var (pattern, candidate) in wildcard)
            {
                if (Matches(pattern, segments, out string indices))
                {
                    result.Add(new ShapeMatch(candidate, entry, indices));
                    break;
                }
            }
        }
        return result;
    }

    private static bool Matches(string[] pattern, string[] segments, out string tuple)
    {
        tuple = "";
        if (pattern.Length != segments.Length) return false;
        var indices = new List<string>();
        for (int s = 0; s < pattern.Length; s++)
        {
            switch (pattern[s])
            {
                case KeyTableBuilder.DictKey:
                    break;
                case KeyTableBuilder.ListIndex:
                    if (segments[s].Length == 0 || !IsDigits(segments[s])) return false;
                    indices.Add(segments[s]);
                    break;
                default:
                    if (pattern[s] != segments[s]) return false;
                    break;
            }
        }
        tuple = string.Join(",", indices);
        return true;
    }

    private static bool IsDigits(string s)
    {
        foreach (char c in s)
        {
            if (c < '0' || c > '9') return false;
        }
        return true;
    }
}
