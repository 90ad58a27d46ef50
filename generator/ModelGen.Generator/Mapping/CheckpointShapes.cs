using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Manifest;

namespace ModelGen.Generator.Mapping;

/// <summary>Everything the shape, dtype, tie and config checks of one model need.</summary>
internal sealed record ShapeInput(KeyTable Table, ShapeTable Shapes, EquatableArray<ManifestSpec> Manifests, ConfigSpec? Config, bool Strict);

/// <summary>
/// The build-time checks beyond key names, per checkpoint manifest of a model: shapes and list lengths
/// (<see cref="ShapeUnifier"/>, <see cref="ShapeChecker"/>), dtypes (<see cref="DtypeChecker"/>), ties
/// (<see cref="TieChecker"/>) and config.json values the model does not follow (<see cref="ConfigChecker"/>).
/// </summary>
internal static class CheckpointShapes
{
    public static EquatableArray<DiagnosticInfo> Check(ShapeInput input)
    {
        var result = new List<DiagnosticInfo>();
        // Tied and computed tensors are never read from the checkpoint, so their shapes and dtypes do not matter.
        var skipped = new HashSet<string>(input.Table.Entries.Where(e => e.TiedTo is not null || e.Computed).Select(e => e.Pattern), System.StringComparer.Ordinal);
        Dictionary<string, SymbolBinding>? lastBindings = null;
        foreach (ManifestSpec manifest in input.Manifests)
        {
            List<ShapeMatch> matches = ShapeMatch.All(input.Shapes, manifest);
            var lists = ListCounts(input.Shapes, matches);
            Dictionary<string, SymbolBinding> bindings = ShapeUnifier.Bind(matches.Where(m => !skipped.Contains(m.Key.Pattern)).ToList(), lists, input.Config);
            ShapeChecker.Check(input.Shapes, manifest, matches, lists, bindings, skipped, result);
            DtypeChecker.Check(matches, skipped, result);
            if (input.Table.Entries.Any(e => e.TiedTo is not null)) TieChecker.Check(input.Table, TieChecker.Keys(manifest), result);
            lastBindings = bindings;
        }
        if (input.Config is not null)
        {
            lastBindings ??= ShapeUnifier.Bind(new List<ShapeMatch>(), new List<(ShapedList, long, string)>(), input.Config);
            ConfigChecker.Check(input.Config, input.Shapes, input.Table, lastBindings, result);
        }
        return result.Select(d => d.Escalated(input.Strict && Descriptors.IsMismatch(d.Id))).Distinct().ToEquatableArray();
    }

    /// <summary>For each module list the checkpoint has entries of: how many (highest index + 1) and a key with the highest index.</summary>
    internal static List<(ShapedList List, long Count, string Example)> ListCounts(ShapeTable shapes, List<ShapeMatch> matches)
    {
        var result = new List<(ShapedList, long, string)>();
        foreach (ShapedList list in shapes.Lists)
        {
            long max = -1;
            string example = "";
            string prefix = list.Prefix + ".";
            foreach (ShapeMatch match in matches)
            {
                if (!match.Key.Pattern.StartsWith(prefix, System.StringComparison.Ordinal)) continue;
                if (ShapeMatch.IndexAt(match.Key.Pattern, match.Entry.Key, list.Depth) is not { } index || index <= max) continue;
                max = index;
                example = match.Entry.Key;
            }
            if (max >= 0) result.Add((list, max + 1, example));
        }
        return result;
    }
}
