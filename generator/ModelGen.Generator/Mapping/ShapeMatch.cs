using System.Collections.Generic;
using ModelGen.Generator.Manifest;

namespace ModelGen.Generator.Mapping;

/// <summary>A checkpoint key matched to the model key pattern that takes it.</summary>
internal readonly struct ShapeMatch
{
    public ShapeMatch(ShapedKey key, ManifestEntry entry)
    {
        Key = key;
        Entry = entry;
    }

    public ShapedKey Key { get; }
    public ManifestEntry Entry { get; }

    /// <summary>
    /// Pairs every checkpoint key with its model pattern: a key equal to a pattern first (a literal digit segment
    /// such as a Sequential child), then patterns with list indices, then module dictionary keys. Keys the model does
    /// not take are left out. The index lookup compares keys with patterns segment by segment, without building the
    /// pattern of each key (tens of thousands of keys per checkpoint).
    /// </summary>
    public static List<ShapeMatch> All(ShapeTable table, ManifestSpec manifest)
    {
        var exact = new Dictionary<string, ShapedKey>(System.StringComparer.Ordinal);
        var indexed = new Dictionary<string, ShapedKey>(IndexedKeyComparer.Instance);
        var wildcard = new List<(string[] Segments, ShapedKey Key)>();
        foreach (ShapedKey key in table.Keys)
        {
            if (key.Pattern.Contains(KeyTableBuilder.DictKey)) wildcard.Add((key.Pattern.Split('.'), key));
            else if (key.Pattern.Contains(KeyTableBuilder.ListIndex)) indexed[key.Pattern] = key;
            else exact[key.Pattern] = key;
        }
        var result = new List<ShapeMatch>(manifest.Entries.Count);
        foreach (ManifestEntry entry in manifest.Entries)
        {
            if (exact.TryGetValue(entry.Key, out ShapedKey? key) || (indexed.Count > 0 && indexed.TryGetValue(entry.Key, out key)))
            {
                result.Add(new ShapeMatch(key, entry));
                continue;
            }
            if (wildcard.Count == 0) continue;
            string[] segments = entry.Key.Split('.');
            foreach (var (pattern, candidate) in wildcard)
            {
                if (Matches(pattern, segments))
                {
                    result.Add(new ShapeMatch(candidate, entry));
                    break;
                }
            }
        }
        return result;
    }

    /// <summary>The key's segment where its pattern has its <paramref name="depth"/>-th <c>{i}</c> (0-based), as a number; null if none.</summary>
    public static long? IndexAt(string pattern, string key, int depth)
    {
        int p = 0, k = 0, seen = 0;
        while (p <= pattern.Length && k <= key.Length)
        {
            int pe = pattern.IndexOf('.', p), ke = key.IndexOf('.', k);
            if (pe < 0) pe = pattern.Length;
            if (ke < 0) ke = key.Length;
            if (pe - p == KeyTableBuilder.ListIndex.Length && string.CompareOrdinal(pattern, p, KeyTableBuilder.ListIndex, 0, pe - p) == 0 && seen++ == depth)
            {
                if (!IndexedKeyComparer.IsDigits(key, k, ke) || ke - k > 18) return null;
                long value = 0;
                for (int i = k; i < ke; i++) value = value * 10 + (key[i] - '0');
                return value;
            }
            p = pe + 1;
            k = ke + 1;
        }
        return null;
    }

    private static bool Matches(string[] pattern, string[] segments)
    {
        if (pattern.Length != segments.Length) return false;
        for (int s = 0; s < pattern.Length; s++)
        {
            bool ok = pattern[s] switch
            {
                KeyTableBuilder.DictKey => true,
                KeyTableBuilder.ListIndex => IndexedKeyComparer.IsDigits(segments[s], 0, segments[s].Length),
                _ => pattern[s] == segments[s],
            };
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>
    /// Equates a key pattern with <c>{i}</c> segments and a checkpoint key whose segments there are digits; other
    /// segments compare ordinally. Digit segments and <c>{i}</c> hash alike, so a key finds its pattern directly.
    /// </summary>
    private sealed class IndexedKeyComparer : IEqualityComparer<string>
    {
        public static readonly IndexedKeyComparer Instance = new();

        public bool Equals(string? x, string? y)
        {
            if (x is null || y is null) return x == y;
            int i = 0, j = 0;
            while (true)
            {
                int xe = x.IndexOf('.', i), ye = y.IndexOf('.', j);
                if (xe < 0) xe = x.Length;
                if (ye < 0) ye = y.Length;
                bool xIndex = IsIndex(x, i, xe), yIndex = IsIndex(y, j, ye);
                bool same = xIndex ? IsDigits(y, j, ye) || yIndex
                    : yIndex ? IsDigits(x, i, xe)
                    : xe - i == ye - j && string.CompareOrdinal(x, i, y, j, xe - i) == 0;
                if (!same) return false;
                bool xDone = xe == x.Length, yDone = ye == y.Length;
                if (xDone || yDone) return xDone && yDone;
                i = xe + 1;
                j = ye + 1;
            }
        }

        public int GetHashCode(string key)
        {
            unchecked
            {
                int hash = 17, start = 0;
                while (start <= key.Length)
                {
                    int end = key.IndexOf('.', start);
                    if (end < 0) end = key.Length;
                    if (IsIndex(key, start, end) || IsDigits(key, start, end)) hash = hash * 31 + 7;
                    else
                    {
                        for (int c = start; c < end; c++) hash = hash * 31 + key[c];
                    }
                    hash = hash * 31 + '.';
                    start = end + 1;
                }
                return hash;
            }
        }

        private static bool IsIndex(string s, int start, int end) =>
            end - start == KeyTableBuilder.ListIndex.Length && string.CompareOrdinal(s, start, KeyTableBuilder.ListIndex, 0, end - start) == 0;

        public static bool IsDigits(string s, int start, int end)
        {
            if (end <= start) return false;
            for (int c = start; c < end; c++)
            {
                if (s[c] < '0' || s[c] > '9') return false;
            }
            return true;
        }
    }
}
