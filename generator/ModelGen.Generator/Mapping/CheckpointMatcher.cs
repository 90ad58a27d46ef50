using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Manifest;
using ModelGen.Generator.Parsing;

namespace ModelGen.Generator.Mapping;

/// <summary>
/// Compares a model's key table with one checkpoint manifest: checkpoint keys no member takes (grouped by shape,
/// with a "did you mean" by edit distance, at the manifest line), members the checkpoint lacks (at the field in
/// C#), and module lists whose index range in the checkpoint has gaps.
/// </summary>
internal static class CheckpointMatcher
{
    private const int MaxExamples = 3;

    public static IEnumerable<DiagnosticInfo> Match(KeyTable table, ManifestSpec manifest, bool strict)
    {
        var result = new List<DiagnosticInfo>();
        var entries = table.Entries.Items;
        var byShape = new Dictionary<string, int>(StringComparer.Ordinal);
        var wildcard = new List<int>();
        for (int i = 0; i < entries.Length; i++)
        {
            if (entries[i].Pattern.Contains(KeyTableBuilder.DictKey)) wildcard.Add(i);
            else byShape[entries[i].Pattern] = i;
        }

        // Patterns with a literal digit segment among their list indices (a Sequential's child inside a module list).
        var mixed = new MixedIndexPatterns(entries.Select(e => e.Pattern).ToList());

        var seen = new HashSet<string>[entries.Length];
        var anchorSeen = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var mappedKeys = new HashSet<string>(StringComparer.Ordinal);
        var unmapped = new Dictionary<string, List<ManifestEntry>>(StringComparer.Ordinal);
        var unmappedOrder = new List<string>();
        // Per entry, the tuple sets of its enclosing lists with their depths, looked up once instead of per key.
        var anchorsOf = new (HashSet<string> Tuples, int Depth)[entries.Length][];

        foreach (ManifestEntry key in manifest.Entries)
        {
            // A key equal to a pattern (no list index, or a literal digit segment such as a ComponentName "0")
            // matches as is; otherwise its digit segments are list indices.
            string shape = key.Key, tuple = "";
            if (!byShape.TryGetValue(shape, out int index))
            {
                shape = Shape(key.Key, out tuple);
                if (byShape.TryGetValue(shape, out int found)) index = found;
                else if (mixed.Match(shape, key.Key, out string indices) is var m && m >= 0)
                {
                    index = m;
                    shape = entries[m].Pattern;
                    tuple = indices;
                }
                else index = MatchWildcard(key.Key, entries, wildcard);
            }
            if (index < 0)
            {
                if (table.IgnoredKeys.Any(glob => KeyGlob.IsMatch(glob, key.Key))) continue;
                if (!unmapped.TryGetValue(shape, out List<ManifestEntry>? group))
                {
                    unmapped[shape] = group = new List<ManifestEntry>();
                    unmappedOrder.Add(shape);
                }
                group.Add(key);
                continue;
            }
            mappedKeys.Add(key.Key);
            if (entries[index].Pattern != shape) continue; // Dict members: presence only.
            (seen[index] ??= new HashSet<string>(StringComparer.Ordinal)).Add(tuple);
            var anchors = anchorsOf[index] ??= AnchorsOf(entries[index], anchorSeen);
            foreach (var (tuples, depth) in anchors)
            {
                tuples.Add(Prefix(tuple, depth));
            }
        }
        var wildcardSeen = new HashSet<int>();
        foreach (ManifestEntry key in manifest.Entries)
        {
            if (wildcard.Count == 0) break;
            int index = MatchWildcard(key.Key, entries, wildcard);
            if (index >= 0) wildcardSeen.Add(index);
        }

        var details = new string?[entries.Length];
        for (int i = 0; i < entries.Length; i++)
            details[i] = MissingDetail(entries[i], seen[i], anchorSeen, wildcardSeen.Contains(i));

        foreach (string shape in unmappedOrder)
        {
            result.Add(Unmapped(table, manifest.Path, shape, unmapped[shape], strict, details, mappedKeys));
        }
        result.AddRange(Missing(table, manifest, details, unmappedOrder, strict));
        foreach (ListAnchor anchor in entries.SelectMany(e => e.Lists).GroupBy(a => a.Prefix, StringComparer.Ordinal).Select(g => g.First()))
        {
            string? problem = RangeProblem(anchor, anchorSeen);
            if (problem is not null)
            {
                result.Add(Create(Descriptors.ListRangeMismatch, anchor.Location, strict, anchor.Prefix.Substring(0, anchor.Prefix.Length - 4), problem));
            }
        }
        return result;
    }

    /// <summary>MG0006 for a group of unmapped keys of one shape, at the first key's manifest line: an error unless the policy ignores unexpected keys.</summary>
    private static DiagnosticInfo Unmapped(KeyTable table, string path, string shape, List<ManifestEntry> group, bool strict, string?[] details, HashSet<string> mappedKeys)
    {
        ManifestEntry first = group[0];
        string more = group.Count > 1 ? $" (and {group.Count - 1} more like '{shape}')" : "";
        string? suggestion = Suggest(first.Key, shape, table.Entries.Items, details, mappedKeys);
        return Create(Descriptors.UnmappedCheckpointKey, At(path, first), strict, refuse: !table.Policy.IgnoreUnexpected,
            first.Key, more, table.ModelName, KeyPolicyWording.Unexpected(table.Policy.IgnoreUnexpected, suggestion));
    }

    /// <summary>
    /// MG0007 for entries the checkpoint lacks that an initializer can fill, once per container field the checkpoint
    /// lacks entirely, else per entry (an error under MissingKeys = Refuse); MG0013, always an error, when nothing can
    /// fill them. Entries declared new, tied, computed or optional are never reported.
    /// </summary>
    private static IEnumerable<DiagnosticInfo> Missing(KeyTable table, ManifestSpec manifest, string?[] details, List<string> unmappedShapes, bool strict)
    {
        var entries = table.Entries.Items;
        bool initialize = table.Policy.InitializeMissing;
        var reportable = new List<int>();
        for (int i = 0; i < entries.Length; i++)
        {
            KeyEntry entry = entries[i];
            if (details[i] is null || entry.Optional || entry.TiedTo is not null || entry.Computed || entry.DeclaredNew) continue;
            reportable.Add(i);
        }

        var initializable = reportable.Where(i => entries[i].InitDescription is not null).ToList();
        var groupOf = new Dictionary<int, (string Container, List<int> Members)>();
        if (initializable.Count > 1)
        {
            HashSet<string> present = MissingContainers.PresentPrefixes(manifest.Entries.Select(e => Shape(e.Key, out _)));
            foreach (var group in MissingContainers.Group(initializable.Select(i => entries[i].Pattern).ToList(), present))
            {
                foreach (int member in group.Members) groupOf[initializable[member]] = group;
            }
        }

        var reportedGroups = new HashSet<string>(StringComparer.Ordinal);
        foreach (int i in reportable)
        {
            KeyEntry entry = entries[i];
            string kind = entry.Kind == SlotKind.Parameter ? "parameter" : "buffer";
            if (entry.InitDescription is null)
            {
                yield return Create(Descriptors.MissingWithoutInitializer, entry.Location, strict, refuse: true, entry.Pattern, kind, details[i]!,
                    KeyPolicyWording.WithoutInitializerHint(entry.Kind == SlotKind.Buffer, entry.Pattern));
                continue;
            }
            if (groupOf.TryGetValue(i, out var container))
            {
                if (!reportedGroups.Add(container.Container)) continue;
                LocationInfo? location = table.Containers.FirstOrDefault(c => c.Prefix == container.Container)?.Location ?? entry.Location;
                string? suggestion = MissingContainers.Suggest(container.Container, unmappedShapes);
                yield return Create(Descriptors.MissingFromCheckpoint, location, strict, refuse: !initialize, container.Container,
                    KeyPolicyWording.ContainerKind(container.Members.Count), KeyPolicyWording.ContainerDetail(container.Container, suggestion),
                    KeyPolicyWording.MissingContainer(initialize));
                continue;
            }
            yield return Create(Descriptors.MissingFromCheckpoint, entry.Location, strict, refuse: !initialize, entry.Pattern, kind, details[i]!,
                KeyPolicyWording.Missing(initialize, entry.InitDescription));
        }
    }

    /// <summary>Null when the checkpoint provides every instance of the entry; otherwise a phrase describing what is missing.</summary>
    private static string? MissingDetail(KeyEntry entry, HashSet<string>? seen, Dictionary<string, HashSet<string>> anchorSeen, bool wildcardSeen)
    {
        if (entry.Pattern.Contains(KeyTableBuilder.DictKey)) return wildcardSeen ? null : "";
        if (entry.Lists.Count == 0) return seen is null ? "" : null;
        ListAnchor innermost = entry.Lists[entry.Lists.Count - 1];
        if (!anchorSeen.TryGetValue(innermost.Prefix, out HashSet<string>? expected) || expected.Count == 0)
            return seen is null ? "" : null;
        var missing = expected.Where(t => seen is null || !seen.Contains(t)).OrderBy(t => t, TupleComparer.Instance).ToList();
        if (missing.Count == 0) return null;
        string examples = string.Join(", ", missing.Take(MaxExamples).Select(t => "'" + Substitute(entry.Pattern, t.Split(',')) + "'"));
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
        foreach (var group in byParent)
        {
            parents.Add(group.Key);
            var indices = group.Select(t => Index(t[t.Length - 1])).Distinct().OrderBy(i => i).ToList();
            long max = indices[indices.Count - 1];
            if (indices.Count == max + 1) continue;
            var holes = Holes(indices, max);
            string where = group.Key.Length == 0 ? "" : $" under '{Substitute(anchor.Prefix, group.Key.Split(',')).Substring(0, anchor.Prefix.Length - 4)}'";
            problems.Add($"the checkpoint has indices up to {max}{where} but lacks {Format(holes)}");
        }
        if (anchor.ParentPrefix is not null && anchorSeen.TryGetValue(anchor.ParentPrefix, out HashSet<string>? parentTuples))
        {
            var empty = parentTuples.Where(p => !parents.Contains(p)).OrderBy(p => p, TupleComparer.Instance).ToList();
            if (empty.Count > 0)
            {
                string examples = string.Join(", ", empty.Take(MaxExamples).Select(p => "'" + Substitute(anchor.ParentPrefix, p.Split(',')) + "'"));
                problems.Add($"no entries under {examples}{(empty.Count > MaxExamples ? ", ..." : "")}");
            }
        }
        return problems.Count == 0 ? null : string.Join("; ", problems.Take(MaxExamples)) + (problems.Count > MaxExamples ? $"; and {problems.Count - MaxExamples} more" : "");
    }

    /// <summary>The first missing indices in 0..max (at most a handful: enough to name them).</summary>
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

    private static long Index(string digits) =>
        long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) ? value : long.MaxValue;

    private static string Format(List<long> holes) =>
        (holes.Count == 1 ? "index " : "indices ") + string.Join(", ", holes.Take(8).Select(h => h.ToString(CultureInfo.InvariantCulture))) + (holes.Count > 8 ? ", ..." : "");

    /// <summary>
    /// Closest model key for an unmapped checkpoint key, when close enough to be a likely typo, never one the checkpoint
    /// already provides (a key another checkpoint key is mapped to, or an entry with nothing missing).
    /// </summary>
    private static string? Suggest(string key, string shape, IReadOnlyList<KeyEntry> entries, string?[] details, HashSet<string> mappedKeys)
    {
        Shape(key, out string tuple);
        string[] indices = tuple.Length == 0 ? Array.Empty<string>() : tuple.Split(',');
        string? best = null;
        int bestDistance = int.MaxValue;
        for (int i = 0; i < entries.Count; i++)
        {
            KeyEntry entry = entries[i];
            int distance = EditDistance.Between(shape, entry.Pattern);
            if (distance > bestDistance || (distance == bestDistance && string.CompareOrdinal(entry.Pattern, best) >= 0)) continue;
            bool concrete = CountIndices(entry.Pattern) == indices.Length && !entry.Pattern.Contains(KeyTableBuilder.DictKey);
            bool taken = concrete ? mappedKeys.Contains(Substitute(entry.Pattern, indices)) : details[i] is null;
            if (taken) continue;
            bestDistance = distance;
            best = entry.Pattern;
        }
        if (best is null || bestDistance > Math.Max(3, shape.Length / 4)) return null;
        return CountIndices(best) == indices.Length ? Substitute(best, indices) : best;
    }

    /// <summary>
    /// The key with every all-digit segment replaced by <c>{i}</c>; <paramref name="tuple"/> receives the digit
    /// segments in order, joined by commas (empty when there are none).
    /// </summary>
    internal static string Shape(string key, out string tuple)
    {
        StringBuilder? shape = null;
        StringBuilder? indices = null;
        int start = 0, copied = 0;
        while (start <= key.Length)
        {
            int end = key.IndexOf('.', start);
            if (end < 0) end = key.Length;
            bool digits = end > start;
            for (int i = start; i < end && digits; i++) digits = key[i] >= '0' && key[i] <= '9';
            if (digits)
            {
                shape ??= new StringBuilder(key.Length + 8);
                shape.Append(key, copied, start - copied).Append(KeyTableBuilder.ListIndex);
                copied = end;
                indices ??= new StringBuilder(8);
                if (indices.Length > 0) indices.Append(',');
                indices.Append(key, start, end - start);
            }
            start = end + 1;
        }
        tuple = indices?.ToString() ?? "";
        return shape is null ? key : shape.Append(key, copied, key.Length - copied).ToString();
    }

    private static (HashSet<string>, int)[] AnchorsOf(KeyEntry entry, Dictionary<string, HashSet<string>> anchorSeen)
    {
        var result = new (HashSet<string>, int)[entry.Lists.Count];
        for (int i = 0; i < result.Length; i++)
        {
            string prefix = entry.Lists[i].Prefix;
            if (!anchorSeen.TryGetValue(prefix, out HashSet<string>? tuples))
                anchorSeen[prefix] = tuples = new HashSet<string>(StringComparer.Ordinal);
            result[i] = (tuples, Depth(prefix));
        }
        return result;
    }

    /// <summary>The first <paramref name="depth"/> indices of a comma-joined tuple.</summary>
    private static string Prefix(string tuple, int depth)
    {
        int position = -1;
        for (int i = 0; i < depth; i++)
        {
            position = tuple.IndexOf(',', position + 1);
            if (position < 0) return tuple;
        }
        return tuple.Substring(0, position);
    }

    private static int MatchWildcard(string key, IReadOnlyList<KeyEntry> entries, List<int> candidates)
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
                    KeyTableBuilder.DictKey => true,
                    KeyTableBuilder.ListIndex => segments[s].Length > 0 && segments[s].All(c => c >= '0' && c <= '9'),
                    _ => pattern[s] == segments[s],
                };
            }
            if (match) return index;
        }
        return -1;
    }

    private static string Substitute(string pattern, string[] indices)
    {
        var builder = new StringBuilder(pattern.Length);
        int next = 0, position = 0;
        while (true)
        {
            int at = pattern.IndexOf(KeyTableBuilder.ListIndex, position, StringComparison.Ordinal);
            if (at < 0 || next >= indices.Length) break;
            builder.Append(pattern, position, at - position).Append(indices[next++]);
            position = at + KeyTableBuilder.ListIndex.Length;
        }
        return builder.Append(pattern, position, pattern.Length - position).ToString();
    }

    private static int Depth(string prefix) => CountIndices(prefix);

    private static int CountIndices(string pattern)
    {
        int count = 0, position = 0;
        while ((position = pattern.IndexOf(KeyTableBuilder.ListIndex, position, StringComparison.Ordinal)) >= 0)
        {
            count++;
            position += KeyTableBuilder.ListIndex.Length;
        }
        return count;
    }

    private static LocationInfo At(string path, ManifestEntry entry) =>
        LocationInfo.InFile(path, new TextSpan(entry.Start, entry.Length),
            new LinePositionSpan(new LinePosition(entry.Line, entry.Column), new LinePosition(entry.Line, entry.Column + entry.Length)));

    private static DiagnosticInfo Create(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, LocationInfo? location, bool strict, params string[] arguments) =>
        Create(descriptor, location, strict, refuse: false, arguments);

    /// <summary>An error when the load would refuse what it reports (<paramref name="refuse"/>) or in strict mode; otherwise the descriptor's severity.</summary>
    private static DiagnosticInfo Create(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, LocationInfo? location, bool strict, bool refuse, params string[] arguments) =>
        DiagnosticInfo.Create(descriptor, location, arguments).Escalated(refuse || (strict && Descriptors.IsMismatch(descriptor.Id)));

    /// <summary>Orders comma-joined index tuples numerically.</summary>
    private sealed class TupleComparer : IComparer<string>
    {
        public static readonly TupleComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            string[] a = (x ?? "").Split(','), b = (y ?? "").Split(',');
            for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                int c = (a[i].Length == 0 ? -1 : Index(a[i])).CompareTo(b[i].Length == 0 ? -1 : Index(b[i]));
                if (c != 0) return c;
            }
            return a.Length.CompareTo(b.Length);
        }
    }
}
