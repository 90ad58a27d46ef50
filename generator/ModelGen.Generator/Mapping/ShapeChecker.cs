using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Manifest;
using ModelGen.Generator.Parsing;

namespace ModelGen.Generator.Mapping;

/// <summary>
/// Compares the shapes and module list lengths of a model with one checkpoint manifest, after
/// <see cref="ShapeUnifier"/> gave every symbol its value. One diagnostic per key pattern (at the C# expression that
/// decides the disagreeing dimension), one per module list, and a coverage summary when some keys cannot be checked.
/// </summary>
internal static class ShapeChecker
{
    private const int MaxListed = 3;

    public static void Check(ShapeTable table, ManifestSpec manifest, IReadOnlyList<ShapeMatch> matches,
        IReadOnlyList<(ShapedList List, long Count, string Example)> lists, Dictionary<string, SymbolBinding> bindings,
        HashSet<string> skipped, List<DiagnosticInfo> into)
    {
        IReadOnlyDictionary<string, long> values = ShapeUnifier.Values(bindings);
        var reported = new Dictionary<string, (DiagnosticInfo? First, int Count)>(System.StringComparer.Ordinal);
        var order = new List<string>();
        var unchecked_ = new Dictionary<string, string>(System.StringComparer.Ordinal);
        int total = 0, checkedCount = 0;

        foreach (ShapeMatch match in matches)
        {
            if (skipped.Contains(match.Key.Pattern)) continue;
            total++;
            string? problem = Unchecked(match, values);
            if (problem is not null)
            {
                if (!unchecked_.ContainsKey(match.Key.Pattern)) unchecked_[match.Key.Pattern] = problem;
                continue;
            }
            checkedCount++;
            DiagnosticInfo? mismatch = Compare(match, values, bindings);
            if (mismatch is null) continue;
            if (!reported.TryGetValue(match.Key.Pattern, out var seen))
            {
                order.Add(match.Key.Pattern);
                seen = (mismatch, 0);
            }
            reported[match.Key.Pattern] = (seen.First, seen.Count + 1);
        }
        foreach (string pattern in order)
        {
            var (first, count) = reported[pattern];
            // The count of further keys goes into the last argument, which every shape message ends with.
            EquatableArray<string> args = first!.Arguments;
            string[] updated = args.ToArray();
            updated[updated.Length - 1] = ShapeFormat.More(count, pattern) + updated[updated.Length - 1];
            into.Add(first with { Arguments = updated.ToEquatableArray() });
        }

        foreach (var (list, count, example) in lists)
        {
            if (list.Length is not { } length || DimArithmetic.Value(length, values) is not { } modelCount || modelCount == count) continue;
            string name = list.Prefix.Substring(0, list.Prefix.Length - KeyTableBuilder.ListIndex.Length - 1);
            string described = ShapeFormat.Dim(length, values) + Source(length, bindings);
            into.Add(DiagnosticInfo.Create(Descriptors.ListLengthMismatch, length.IsConstant ? length.Location ?? list.Location : list.Location,
                name, described, ShapeUnifier.Format(count), ShapeUnifier.Format(count - 1), example));
        }

        if (checkedCount < total && manifest.Entries.Any(e => e.HasShape))
        {
            var listed = unchecked_.Take(MaxListed).Select(p => $"'{p.Key}' ({p.Value})").ToList();
            string more = unchecked_.Count > MaxListed ? $", and {unchecked_.Count - MaxListed} more key patterns" : "";
            into.Add(DiagnosticInfo.Create(Descriptors.ShapeCoverage, table.ModelLocation,
                table.ModelName, ShapeUnifier.Format(checkedCount), ShapeUnifier.Format(total), manifest.Path, string.Join(", ", listed) + more));
        }
    }

    /// <summary>Why a match cannot be compared, or null when every dimension is known.</summary>
    private static string? Unchecked(ShapeMatch match, IReadOnlyDictionary<string, long> values)
    {
        if (match.Key.Unknown is { } unknown) return unknown;
        if (!match.Entry.HasShape) return "the manifest gives no shape";
        if (match.Key.Dims.Count != match.Entry.Shape.Count) return null;
        foreach (DimExpr dim in match.Key.Dims)
        {
            if (DimArithmetic.Value(dim, values) is null) return $"'{(dim.Kind == DimKind.Symbol ? dim.Name : dim.Text)}' is not known at build time";
        }
        return null;
    }

    private static DiagnosticInfo? Compare(ShapeMatch match, IReadOnlyDictionary<string, long> values, Dictionary<string, SymbolBinding> bindings)
    {
        ShapedKey key = match.Key;
        if (key.Dims.Count != match.Entry.Shape.Count)
        {
            return DiagnosticInfo.Create(Descriptors.ShapeMismatch, key.Location, match.Entry.Key,
                ShapeFormat.Checkpoint(match.Entry.Shape), ShapeFormat.Model(key.Dims, values),
                $"; the model's tensor has {key.Dims.Count} dimensions, the checkpoint's {match.Entry.Shape.Count}");
        }
        for (int i = 0; i < key.Dims.Count; i++)
        {
            DimExpr dim = key.Dims[i];
            long actual = match.Entry.Shape[i];
            if (DimArithmetic.Value(dim, values) == actual) continue;
            // Messages are built only for the rare mismatch: formatting every key would dominate the check.
            string checkpoint = ShapeFormat.Checkpoint(match.Entry.Shape);
            string model = ShapeFormat.Model(key.Dims, values);
            LocationInfo? location = dim.Location ?? key.Location;
            if (dim.Kind == DimKind.Symbol && bindings.TryGetValue(dim.Name, out SymbolBinding? binding) && !binding.FromConfig)
            {
                string from = binding.Source + (binding.Location is null ? "" : " at " + ShapeFormat.Where(binding.Location));
                return DiagnosticInfo.Create(Descriptors.SymbolContradiction, location, match.Entry.Key, checkpoint, model,
                    dim.Name, ShapeUnifier.Format(actual), ShapeUnifier.Format(binding.Value), from, "");
            }
            return DiagnosticInfo.Create(Descriptors.ShapeMismatch, location, match.Entry.Key, checkpoint, model,
                $"; dimension {i} is {ShapeFormat.Dim(dim, values)}{Source(dim, bindings)}, the checkpoint's {ShapeUnifier.Format(actual)}");
        }
        return null;
    }

    /// <summary>Where the config values inside a dimension come from, as a short clause.</summary>
    private static string Source(DimExpr dim, Dictionary<string, SymbolBinding> bindings)
    {
        var symbols = new List<string>();
        DimArithmetic.Symbols(dim, symbols);
        var parts = symbols.Where(s => bindings.TryGetValue(s, out SymbolBinding? b) && b.FromConfig)
            .Select(s => $"'{s}' from {bindings[s].Source}").ToList();
        return parts.Count == 0 ? "" : " (" + string.Join(", ", parts) + ")";
    }
}
