using System;
using System.Collections.Generic;
using System.Linq;

namespace ModelGen.Generator.Mapping;

/// <summary>
/// Finds the containers (module, list or layer fields) the checkpoint lacks entirely, so that a misspelled container
/// field is reported once, at the field, instead of once per tensor inside it. Shared with <c>modelgen check</c>.
/// </summary>
internal static class MissingContainers
{
    private const string ListIndex = "{i}";
    private const string DictKey = "{key}";

    /// <summary>
    /// Every dot prefix of the checkpoint keys' shapes (digit segments as <c>{i}</c>): a container is present when its
    /// pattern is one of these.
    /// </summary>
    public static HashSet<string> PresentPrefixes(IEnumerable<string> keyShapes)
    {
        var prefixes = new HashSet<string>(StringComparer.Ordinal);
        foreach (string shape in keyShapes)
        {
            for (int dot = shape.IndexOf('.'); dot > 0; dot = shape.IndexOf('.', dot + 1))
                prefixes.Add(shape.Substring(0, dot));
        }
        return prefixes;
    }

    /// <summary>
    /// Groups missing entries (by pattern) under the outermost container the checkpoint lacks, when it holds at least
    /// two of them; entries left out of every group are reported one by one. Groups come in the order of their first entry.
    /// </summary>
    public static List<(string Container, List<int> Members)> Group(IReadOnlyList<string> missingPatterns, HashSet<string> present)
    {
        var outermost = new string?[missingPatterns.Count];
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < missingPatterns.Count; i++)
        {
            outermost[i] = OutermostAbsent(missingPatterns[i], present);
            if (outermost[i] is { } container) counts[container] = counts.TryGetValue(container, out int n) ? n + 1 : 1;
        }
        var groups = new List<(string, List<int>)>();
        var byContainer = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < missingPatterns.Count; i++)
        {
            if (outermost[i] is not { } container || counts[container] < 2) continue;
            if (!byContainer.TryGetValue(container, out List<int>? members))
            {
                byContainer[container] = members = new List<int>();
                groups.Add((container, members));
            }
            members.Add(i);
        }
        return groups;
    }

    /// <summary>The closest prefix of an unmapped checkpoint key with as many segments as the container, when close enough to be a likely typo.</summary>
    public static string? Suggest(string container, IEnumerable<string> unmappedShapes)
    {
        int segments = container.Split('.').Length;
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string shape in unmappedShapes)
        {
            string[] parts = shape.Split('.');
            if (parts.Length <= segments) continue;
            string candidate = string.Join(".", parts.Take(segments));
            int distance = EditDistance.Between(container, candidate);
            if (distance < bestDistance || (distance == bestDistance && string.CompareOrdinal(candidate, best) < 0))
            {
                bestDistance = distance;
                best = candidate;
            }
        }
        return best is null || bestDistance > Math.Max(3, container.Length / 4) ? null : best;
    }

    /// <summary>The prefix with every all-digit segment as <c>{i}</c>, as the checkpoint keys' shapes have it.</summary>
    private static string DigitsAsIndices(string prefix)
    {
        string[] segments = prefix.Split('.');
        for (int s = 0; s < segments.Length; s++)
        {
            if (segments[s].Length > 0 && segments[s].All(c => c >= '0' && c <= '9')) segments[s] = ListIndex;
        }
        return string.Join(".", segments);
    }

    /// <summary>The shortest container prefix of <paramref name="pattern"/> that no checkpoint key has; null when every one is present.</summary>
    private static string? OutermostAbsent(string pattern, HashSet<string> present)
    {
        for (int dot = pattern.IndexOf('.'); dot > 0; dot = pattern.IndexOf('.', dot + 1))
        {
            string prefix = pattern.Substring(0, dot);
            if (prefix.Contains(DictKey)) return null; // Dictionary entries match any key: presence is not per prefix.
            if (prefix.EndsWith("." + ListIndex, StringComparison.Ordinal) || prefix == ListIndex) continue; // An element, not a field.
            // A literal digit segment (a Sequential's child inside a list, blocks.{i}.0) reads as an index in the checkpoint's shapes.
            if (!present.Contains(prefix) && !present.Contains(DigitsAsIndices(prefix))) return prefix;
        }
        return null;
    }
}
