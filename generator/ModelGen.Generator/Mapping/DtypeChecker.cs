using System.Collections.Generic;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Mapping;

/// <summary>
/// Checkpoint dtypes the loader cannot put into the model's tensors, by the loader's own rule
/// (<see cref="DtypeConversion"/>). Reported at the field, once per key pattern.
/// </summary>
internal static class DtypeChecker
{
    public static void Check(IReadOnlyList<ShapeMatch> matches, HashSet<string> skipped, List<DiagnosticInfo> into)
    {
        var first = new Dictionary<string, (ShapeMatch Match, string Target, int Count)>(System.StringComparer.Ordinal);
        var order = new List<string>();
        foreach (ShapeMatch match in matches)
        {
            if (match.Entry.DType is not { } dtype || skipped.Contains(match.Key.Pattern)) continue;
            string? target = DtypeConversion.Problem(dtype, match.Key.DType?.Name, match.Key.Member);
            if (target is null) continue;
            if (first.TryGetValue(match.Key.Pattern, out var seen)) first[match.Key.Pattern] = (seen.Match, seen.Target, seen.Count + 1);
            else
            {
                first[match.Key.Pattern] = (match, target, 1);
                order.Add(match.Key.Pattern);
            }
        }
        foreach (string pattern in order)
        {
            var (match, target, count) = first[pattern];
            into.Add(DiagnosticInfo.Create(Descriptors.UnconvertibleDType, match.Key.Location,
                match.Entry.Key, match.Entry.DType!, target, ShapeFormat.More(count, pattern)));
        }
    }
}
