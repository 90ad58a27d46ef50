using ModelGen.Generator.Mapping;
using ModelGen.Mapping;

namespace ModelGen.Cli.Check;

/// <summary>
/// Compares a model's generated key table with a checkpoint's keys by the rules the build applies (the generator's
/// checkpoint matcher): a key equal to a pattern matches as is, otherwise its digit segments are list indices;
/// <c>{key}</c> patterns match any one segment; ignored globs silence unmapped keys; tied, computed and optional
/// entries are never reported missing, nor entries declared new. Findings carry the build's diagnostic IDs, message
/// wording and severity under the key policy the generated table carries (the one the build used).
/// </summary>
internal static class KeyTableMatcher
{
    private const int MaxExamples = 3;

    private sealed record Entry(KeyPattern Source, IReadOnlyList<ListAnchor> Lists)
    {
        public string Pattern => Source.Pattern;
    }

    public static CheckReport Match(string modelName, CheckpointKeyTable table, IEnumerable<string> checkpointKeys)
    {
        // The build reads keys from a manifest, which is sorted by key: the same order gives the same groups and examples.
        List<string> keys = checkpointKeys.Order(StringComparer.Ordinal).ToList();
        Entry[] entries = table.Patterns.Select(p => new Entry(p, KeyShapes.Anchors(p.Pattern))).ToArray();
        var byShape = new Dictionary<string, int>(StringComparer.Ordinal);
        var wildcard = new List<int>();
        for (int i = 0; i < entries.Length; i++)
        {
            if (entries[i].Pattern.Contains(KeyShapes.DictKey, StringComparison.Ordinal)) wildcard.Add(i);
            else byShape[entries[i].Pattern] = i;
        }

        // Patterns with a literal digit segment among their list indices (a Sequential's child inside a module list).
        var mixed = new MixedIndexPatterns(entries.Select(e => e.Pattern).ToList());

        var seen = new HashSet<string>?[entries.Length];
        var present = new bool[entries.Length];
        var anchorSeen = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var unmapped = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var unmappedOrder = new List<string>();
        var ignored = new List<string>();
        var mappedKeys = new HashSet<string>(StringComparer.Ordinal);
        int mapped = 0;
        foreach (string key in keys)
        {
            string shape = key, tuple = "";
            if (!byShape.TryGetValue(shape, out int index))
            {
                shape = KeyShapes.Shape(key, out tuple);
                if (byShape.TryGetValue(shape, out int found)) index = found;
                else if (mixed.Match(shape, key, out string indices) is var m && m >= 0)
                {
                    index = m;
                    shape = entries[m].Pattern;
                    tuple = indices;
                }
                else index = MatchWildcard(key, entries, wildcard);
            }
            if (index < 0)
            {
                if (table.IsIgnored(key))
                {
                    ignored.Add(key);
                    continue;
                }
                if (!unmapped.TryGetValue(shape, out List<string>? group))
                {
                    unmapped[shape] = group = [];
                    unmappedOrder.Add(shape);
                }
                group.Add(key);
                continue;
            }
            mapped++;
            mappedKeys.Add(key);
            present[index] = true;
            if (entries[index].Pattern != shape) continue; // Dictionary members: presence only.
            (seen[index] ??= new HashSet<string>(StringComparer.Ordinal)).Add(tuple);
            foreach (ListAnchor anchor in entries[index].Lists)
            {
                if (!anchorSeen.TryGetValue(anchor.Prefix, out HashSet<string>? tuples))
                    anchorSeen[anchor.Prefix] = tuples = new HashSet<string>(StringComparer.Ordinal);
                tuples.Add(KeyShapes.Prefix(tuple, KeyShapes.CountIndices(anchor.Prefix)));
            }
        }
        var wildcardSeen = new HashSet<int>();
        if (wildcard.Count > 0)
        {
            foreach (string key in keys)
            {
                int index = MatchWildcard(key, entries, wildcard);
                if (index >= 0) wildcardSeen.Add(index);
            }
        }

        var details = new string?[entries.Length];
        for (int i = 0; i < entries.Length; i++)
            details[i] = MissingDetail(entries[i], seen[i], anchorSeen, wildcardSeen.Contains(i));

        var findings = new List<CheckFinding>();
        bool ignoreUnexpected = table.UnexpectedKeys == UnexpectedKeyPolicy.Ignore;
        foreach (string shape in unmappedOrder)
            findings.Add(Unmapped(modelName, shape, unmapped[shape], entries, details, mappedKeys, ignoreUnexpected));
        var optionalMissing = new List<string>();
        var reportable = new List<int>();
        for (int i = 0; i < entries.Length; i++)
        {
            KeyPattern source = entries[i].Source;
            if (source.TiedTo is not null || source.Computed || details[i] is null) continue;
            if (source.Optional)
            {
                optionalMissing.Add(source.Pattern);
                continue;
            }
            if (!source.DeclaredNew) reportable.Add(i);
        }
        findings.AddRange(Missing(entries, reportable, details, keys, unmappedOrder, table.MissingKeys == MissingKeyPolicy.Initialize));
        foreach (ListAnchor anchor in entries.SelectMany(e => e.Lists).GroupBy(a => a.Prefix, StringComparer.Ordinal).Select(g => g.First()))
        {
            string? problem = RangeProblem(anchor, anchorSeen);
            if (problem is null) continue;
            string list = anchor.Prefix[..^(KeyShapes.ListIndex.Length + 1)];
            findings.Add(new CheckFinding("MG0009", $"Module list '{list}' does not match the checkpoint: {problem}", null, anchor.Prefix));
        }

        var tied = new List<TiedKey>();
        var computed = new List<ComputedKey>();
        for (int i = 0; i < entries.Length; i++)
        {
            if (entries[i].Source.TiedTo is string target) tied.Add(new TiedKey(entries[i].Pattern, target, present[i]));
            if (entries[i].Source.Computed) computed.Add(new ComputedKey(entries[i].Pattern, present[i]));
        }
        return new CheckReport(modelName, entries.Length, keys.Count, mapped, findings, ignored, tied, computed, optionalMissing);
    }

    /// <summary>MG0006 for a group of unmapped keys of one shape: an error unless the policy ignores unexpected keys.</summary>
    private static CheckFinding Unmapped(string modelName, string shape, List<string> group, Entry[] entries, string?[] details, HashSet<string> mappedKeys, bool ignore)
    {
        string first = group[0];
        string more = group.Count > 1 ? $" (and {group.Count - 1} more like '{shape}')" : "";
        string? suggestion = Suggest(first, shape, entries, details, mappedKeys);
        return new CheckFinding("MG0006", $"Checkpoint key '{first}'{more} is not taken by any parameter or buffer of '{modelName}'{KeyPolicyWording.Unexpected(ignore, suggestion)}",
            first, null, suggestion, IsError: !ignore);
    }

    /// <summary>
    /// MG0007 once per container the checkpoint lacks entirely, else per entry (an error under MissingKeys = Refuse);
    /// MG0013, always an error, for entries nothing can initialize.
    /// </summary>
    private static IEnumerable<CheckFinding> Missing(Entry[] entries, List<int> reportable, string?[] details, List<string> keys, List<string> unmappedShapes, bool initialize)
    {
        var initializable = reportable.Where(i => entries[i].Source.Initializer is not null).ToList();
        var groupOf = new Dictionary<int, (string Container, List<int> Members)>();
        if (initializable.Count > 1)
        {
            HashSet<string> present = MissingContainers.PresentPrefixes(keys.Select(k => KeyShapes.Shape(k, out _)));
            foreach (var group in MissingContainers.Group(initializable.Select(i => entries[i].Pattern).ToList(), present))
            {
                foreach (int member in group.Members) groupOf[initializable[member]] = group;
            }
        }
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (int i in reportable)
        {
            KeyPattern source = entries[i].Source;
            string kind = source.Kind == TensorKind.Parameter ? "parameter" : "buffer";
            if (source.Initializer is null)
            {
                string hint = KeyPolicyWording.WithoutInitializerHint(source.Kind == TensorKind.Buffer, source.Pattern);
                yield return new CheckFinding("MG0013", $"'{source.Pattern}' ({kind}) is not in the checkpoint{details[i]} and nothing can initialize it; provide it in the checkpoint or add [Initializer]{hint}", null, source.Pattern, IsError: true);
                continue;
            }
            if (groupOf.TryGetValue(i, out var container))
            {
                if (!reported.Add(container.Container)) continue;
                string detail = KeyPolicyWording.ContainerDetail(container.Container, MissingContainers.Suggest(container.Container, unmappedShapes));
                yield return new CheckFinding("MG0007", $"'{container.Container}' ({KeyPolicyWording.ContainerKind(container.Members.Count)}) is not in the checkpoint{detail}; {KeyPolicyWording.MissingContainer(initialize)}",
                    null, container.Container, IsError: !initialize);
                continue;
            }
            yield return new CheckFinding("MG0007", $"'{source.Pattern}' ({kind}) is not in the checkpoint{details[i]}; {KeyPolicyWording.Missing(initialize, source.Initializer)}",
                null, source.Pattern, IsError: !initialize);
        }
    }

    /// <summary>Null when the checkpoint provides every instance of the entry; otherwise a phrase describing what is missing.</summary>
    private static string? MissingDetail(Entry entry, HashSet<string>? seen, Dictionary<string, HashSet<string>> anchorSeen, bool wildcardSeen)
    {
        if (entry.Pattern.Contains(KeyShapes.DictKey, StringComparison.Ordinal)) return wildcardSeen ? null : "";
        if (entry.Lists.Count == 0) return seen is null ? "" : null;
        ListAnchor innermost = entry.Lists[^1];
        if (!anchorSeen.TryGetValue(innermost.Prefix, out HashSet<string>? expected) || expected.Count == 0)
            return seen is null ? "" : null;
        var missing = expected.Where(t => seen is null || !seen.Contains(t)).Order(TupleComparer.Instance).ToList();
        if (missing.Count == 0) return null;
        string examples = string.Join(", ", missing.Take(MaxExamples).Select(t => "'" + KeyShapes.Substitute(entry.Pattern, t.Split(',')) + "'"));
        return $" for {missing.Count} of {expected.Count} list entries ({examples}{(missing.Count > MaxExamples ? ", ..." : "")})";
    }

    private static string? RangeProblem(ListAnchor anchor, Dictionary<string, HashSet<string>> anchorSeen)
    {
        if (!anchorSeen.TryGetValue(anchor.Prefix, out HashSet<string>? tuples) || tuples.Count == 0) return null;
        var problems = new List<string>();
        var byParent = tuples.Select(t => t.Split(','))
            .GroupBy(t => string.Join(",", t.Take(t.Length - 1)), StringComparer.Ordinal)
            .OrderBy(g => g.Key, TupleComparer.Instance);
        var parents = new HashSet<string>(StringComparer.Ordinal);
        int listSuffix = KeyShapes.ListIndex.Length + 1;
        foreach (var group in byParent)
        {
            parents.Add(group.Key);
            var indices = group.Select(t => KeyShapes.Index(t[^1])).Distinct().Order().ToList();
            long max = indices[^1];
            if (indices.Count == max + 1) continue;
            List<long> holes = Holes(indices, max);
            string where = group.Key.Length == 0 ? "" : $" under '{KeyShapes.Substitute(anchor.Prefix, group.Key.Split(','))[..^listSuffix]}'";
            problems.Add($"the checkpoint has indices up to {max}{where} but lacks {Format(holes)}");
        }
        if (anchor.ParentPrefix is not null && anchorSeen.TryGetValue(anchor.ParentPrefix, out HashSet<string>? parentTuples))
        {
            var empty = parentTuples.Where(p => !parents.Contains(p)).Order(TupleComparer.Instance).ToList();
            if (empty.Count > 0)
            {
                string examples = string.Join(", ", empty.Take(MaxExamples).Select(p => "'" + KeyShapes.Substitute(anchor.ParentPrefix, p.Split(',')) + "'"));
                problems.Add($"no entries under {examples}{(empty.Count > MaxExamples ? ", ..." : "")}");
            }
        }
        return problems.Count == 0
            ? null
            : string.Join("; ", problems.Take(MaxExamples)) + (problems.Count > MaxExamples ? $"; and {problems.Count - MaxExamples} more" : "");
    }

    /// <summary>The first missing indices in 0..max (enough to name them).</summary>
    private static List<long> Holes(List<long> present, long max)
    {
        var set = new HashSet<long>(present);
        var holes = new List<long>();
        for (long i = 0; i <= max && holes.Count <= 8; i++)
        {
            if (!set.Contains(i)) holes.Add(i);
        }
        return holes;
    }

    private static string Format(List<long> holes) =>
        (holes.Count == 1 ? "index " : "indices ") + string.Join(", ", holes.Take(8)) + (holes.Count > 8 ? ", ..." : "");

    /// <summary>
    /// Closest model key for an unmapped checkpoint key, when close enough to be a likely typo, never one the checkpoint
    /// already provides (as the build decides it).
    /// </summary>
    private static string? Suggest(string key, string shape, Entry[] entries, string?[] details, HashSet<string> mappedKeys)
    {
        KeyShapes.Shape(key, out string tuple);
        string[] indices = tuple.Length == 0 ? [] : tuple.Split(',');
        string? best = null;
        int bestDistance = int.MaxValue;
        for (int i = 0; i < entries.Length; i++)
        {
            Entry entry = entries[i];
            int distance = EditDistance.Between(shape, entry.Pattern);
            if (distance > bestDistance || (distance == bestDistance && string.CompareOrdinal(entry.Pattern, best) >= 0)) continue;
            bool concrete = KeyShapes.CountIndices(entry.Pattern) == indices.Length && !entry.Pattern.Contains(KeyShapes.DictKey, StringComparison.Ordinal);
            bool taken = concrete ? mappedKeys.Contains(KeyShapes.Substitute(entry.Pattern, indices)) : details[i] is null;
            if (taken) continue;
            bestDistance = distance;
            best = entry.Pattern;
        }
        if (best is null || bestDistance > Math.Max(3, shape.Length / 4)) return null;
        return KeyShapes.CountIndices(best) == indices.Length ? KeyShapes.Substitute(best, indices) : best;
    }

    private static int MatchWildcard(string key, Entry[] entries, List<int> candidates)
    {
        string[] segments = key.Split('.');
        foreach (int index in candidates)
        {
            string[] pattern = entries[index].Pattern.Split('.');
            if (pattern.Length != segments.Length) continue;
            bool match = true;
            for (int s = 0; s < pattern.Length && match; s++)
            {
                match = pattern[s] switch
                {
                    KeyShapes.DictKey => true,
                    KeyShapes.ListIndex => segments[s].Length > 0 && segments[s].All(c => c is >= '0' and <= '9'),
                    _ => pattern[s] == segments[s],
                };
            }
            if (match) return index;
        }
        return -1;
    }

    /// <summary>Orders comma-joined index tuples numerically.</summary>
    private sealed class TupleComparer : IComparer<string>
    {
        public static readonly TupleComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            string[] a = (x ?? "").Split(','), b = (y ?? "").Split(',');
            for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                int c = (a[i].Length == 0 ? -1 : KeyShapes.Index(a[i])).CompareTo(b[i].Length == 0 ? -1 : KeyShapes.Index(b[i]));
                if (c != 0) return c;
            }
            return a.Length.CompareTo(b.Length);
        }
    }
}
