using System.Collections.Generic;

namespace ModelGen.Generator.Mapping;

/// <summary>
/// Key patterns that mix list indices with literal digit segments, such as a Sequential's children inside a module
/// list (<c>blocks.{i}.0.weight</c>). A checkpoint key of theirs reads as if every digit segment were a list index
/// (<c>blocks.{i}.{i}.weight</c>), so they are found by that shape and told apart by their literal segments. The build's
/// matcher and <c>modelgen check</c> share this, so both read such keys alike.
/// </summary>
internal sealed class MixedIndexPatterns
{
    private const string ListIndex = "{i}";
    private const string DictKey = "{key}";

    private readonly Dictionary<string, List<(int Index, string[] Segments)>> _byShape = new(System.StringComparer.Ordinal);

    /// <param name="patterns">Every pattern of the key table, in table order; the result of <see cref="Match"/> indexes it.</param>
    public MixedIndexPatterns(IReadOnlyList<string> patterns)
    {
        for (int i = 0; i < patterns.Count; i++)
        {
            string pattern = patterns[i];
            if (!pattern.Contains(ListIndex) || pattern.Contains(DictKey)) continue;
            string[] segments = pattern.Split('.');
            bool literalDigits = false;
            var shape = new string[segments.Length];
            for (int s = 0; s < segments.Length; s++)
            {
                bool digits = IsDigits(segments[s]);
                literalDigits |= digits;
                shape[s] = digits ? ListIndex : segments[s];
            }
            if (!literalDigits) continue;
            string key = string.Join(".", shape);
            if (!_byShape.TryGetValue(key, out var candidates)) _byShape[key] = candidates = new List<(int, string[])>();
            candidates.Add((i, segments));
        }
    }

    /// <summary>Whether no pattern mixes the two, so that <see cref="Match"/> never finds one.</summary>
    public bool IsEmpty => _byShape.Count == 0;

    /// <summary>
    /// The pattern a checkpoint key belongs to: among those of the key's <paramref name="shape"/> (every digit segment as
    /// <c>{i}</c>), the first whose literal segments equal the key's. <paramref name="tuple"/> receives the key's digits at
    /// the pattern's <c>{i}</c> segments only, comma-joined. -1 when none matches.
    /// </summary>
    public int Match(string shape, string key, out string tuple)
    {
        tuple = "";
        if (!_byShape.TryGetValue(shape, out var candidates)) return -1;
        string[] segments = key.Split('.');
        foreach (var (index, pattern) in candidates)
        {
            if (pattern.Length != segments.Length) continue;
            var indices = new List<string>();
            bool match = true;
            for (int s = 0; s < pattern.Length && match; s++)
            {
                if (pattern[s] == ListIndex) indices.Add(segments[s]);
                else match = pattern[s] == segments[s];
            }
            if (!match) continue;
            tuple = string.Join(",", indices);
            return index;
        }
        return -1;
    }

    private static bool IsDigits(string segment)
    {
        if (segment.Length == 0) return false;
        foreach (char c in segment)
        {
            if (c < '0' || c > '9') return false;
        }
        return true;
    }
}
