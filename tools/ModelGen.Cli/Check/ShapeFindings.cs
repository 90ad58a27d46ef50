using ModelGen.Generator.Mapping;
using ModelGen.Mapping;

namespace ModelGen.Cli.Check;

/// <summary>
/// Shape, list length, dtype and tie findings (MG0020, MG0022, MG0023, MG0024) computed from a model built on the meta
/// device and the checkpoint's header, worded as the build words them for a model whose sizes are literals, one finding
/// per key pattern (the first key in key order, with the count of further keys like it). Used for what the build's own
/// checks (<see cref="BuildShapeFindings"/>) could not evaluate, and alone for assemblies without a shape table.
/// </summary>
internal static class ShapeFindings
{
    public static IReadOnlyList<CheckFinding> Compare(CheckpointKeyTable table, IReadOnlyList<SlotShape>? slots, IReadOnlyList<CheckpointKeyInfo> checkpoint)
    {
        List<CheckpointKeyInfo> keys = checkpoint.OrderBy(k => k.Key, StringComparer.Ordinal).ToList();
        var findings = new List<CheckFinding>();
        if (slots is not null)
        {
            var byKey = new Dictionary<string, SlotShape>(StringComparer.Ordinal);
            foreach (SlotShape slot in slots) byKey.TryAdd(slot.Key, slot);
            var members = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (KeyPattern pattern in table.Patterns) members.TryAdd(pattern.Pattern, pattern.Member ?? pattern.Pattern);
            var shapes = new PerPattern();
            var dtypes = new PerPattern();
            foreach (CheckpointKeyInfo key in keys)
            {
                if (!byKey.TryGetValue(key.Key, out SlotShape? slot) || slot.TiedTo is not null || slot.Computed) continue;
                if (key.Shape is { } shape && ShapeDetail(shape, slot.Shape) is { } detail)
                    shapes.Add(slot.Pattern, more => new CheckFinding("MG0020",
                        $"Checkpoint key '{key.Key}' has shape {Format(shape)}, but the model creates {Format(slot.Shape)}{more}{detail}", key.Key, slot.Pattern, IsError: true));
                if (DtypeConversion.Problem(key.DType, slot.ScalarType, members.GetValueOrDefault(slot.Pattern, slot.Key)) is { } target)
                    dtypes.Add(slot.Pattern, more => new CheckFinding("MG0023",
                        $"Checkpoint key '{key.Key}' is {key.DType}, which the loader cannot convert into {target}{more}", key.Key, slot.Pattern, IsError: true));
            }
            findings.AddRange(shapes.Findings());
            findings.AddRange(ListLengths(table, slots, keys.Select(k => k.Key).ToList()));
            findings.AddRange(dtypes.Findings());
        }
        var present = new HashSet<string>(keys.Select(k => k.Key), StringComparer.Ordinal);
        foreach (KeyPattern pattern in table.Patterns)
        {
            if (pattern.TiedTo is not { } target || !present.Contains(pattern.Pattern) || !present.Contains(target)) continue;
            findings.Add(new CheckFinding("MG0024",
                $"'{pattern.Pattern}' is [TiedTo(\"{target}\")], but the checkpoint holds both '{pattern.Pattern}' and '{target}'; the load compares the two and fails if they differ; remove [TiedTo] if the checkpoint's tensor is a separate weight",
                pattern.Pattern, pattern.Pattern));
        }
        return findings;
    }

    /// <summary>The end of an MG0020 message (the rank or the first dimension that differs), or null when the shapes agree.</summary>
    private static string? ShapeDetail(IReadOnlyList<long> checkpoint, long[] model)
    {
        if (checkpoint.Count != model.Length)
            return $"; the model's tensor has {model.Length} dimensions, the checkpoint's {checkpoint.Count}";
        for (int i = 0; i < model.Length; i++)
        {
            if (model[i] != checkpoint[i]) return $"; dimension {i} is {model[i]}, the checkpoint's {checkpoint[i]}";
        }
        return null;
    }

    /// <summary>
    /// MG0022 for each module list whose entry count in the built model differs from the checkpoint's (highest index + 1
    /// among the keys under the list, the first such key as example). Nested lists are compared at their own depth.
    /// </summary>
    private static IEnumerable<CheckFinding> ListLengths(CheckpointKeyTable table, IReadOnlyList<SlotShape> slots, List<string> keys)
    {
        var patterns = new HashSet<string>(table.Patterns.Select(p => p.Pattern), StringComparer.Ordinal);
        var keyPatterns = keys.Select(k => patterns.Contains(k) ? k : KeyShapes.Shape(k, out _)).ToList();
        foreach (ListAnchor anchor in table.Patterns.SelectMany(p => KeyShapes.Anchors(p.Pattern)).DistinctBy(a => a.Prefix))
        {
            int depth = KeyShapes.CountIndices(anchor.Prefix) - 1;
            string under = anchor.Prefix + ".";
            long model = 0;
            foreach (SlotShape slot in slots)
            {
                if (slot.Pattern.StartsWith(under, StringComparison.Ordinal) && IndexAt(slot.Key, slot.Pattern, depth) is { } index) model = Math.Max(model, index + 1);
            }
            long max = -1;
            string example = "";
            for (int i = 0; i < keys.Count; i++)
            {
                if (!keyPatterns[i].StartsWith(under, StringComparison.Ordinal) || !patterns.Contains(keyPatterns[i])) continue;
                if (IndexAt(keys[i], keyPatterns[i], depth) is not { } index || index <= max) continue;
                max = index;
                example = keys[i];
            }
            if (max < 0 || max + 1 == model) continue;
            string list = anchor.Prefix[..^(KeyShapes.ListIndex.Length + 1)];
            yield return new CheckFinding("MG0022",
                $"Module list '{list}' gets {model} entries in the model but the checkpoint has {max + 1} (indices 0 to {max}, for example '{example}')",
                null, anchor.Prefix, IsError: true);
        }
    }

    /// <summary>The key's list index at the <paramref name="depth"/>-th <c>{i}</c> of its pattern (0-based).</summary>
    private static long? IndexAt(string key, string pattern, int depth)
    {
        string[] k = key.Split('.'), p = pattern.Split('.');
        int seen = 0;
        for (int s = 0; s < Math.Min(k.Length, p.Length); s++)
        {
            if (p[s] != KeyShapes.ListIndex) continue;
            if (seen++ == depth) return KeyShapes.Index(k[s]);
        }
        return null;
    }

    private static string Format(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>The first finding per key pattern, with " (and N more keys like 'pattern')" when more keys of it disagree.</summary>
    private sealed class PerPattern
    {
        private readonly Dictionary<string, (Func<string, CheckFinding> Make, int Count)> _first = new(StringComparer.Ordinal);
        private readonly List<string> _order = [];

        public void Add(string pattern, Func<string, CheckFinding> make)
        {
            if (_first.TryGetValue(pattern, out var seen)) _first[pattern] = (seen.Make, seen.Count + 1);
            else
            {
                _first[pattern] = (make, 1);
                _order.Add(pattern);
            }
        }

        public IEnumerable<CheckFinding> Findings() => _order.Select(p =>
        {
            var (make, count) = _first[p];
            return make(count > 1 ? $" (and {count - 1} more keys like '{p}')" : "");
        });
    }
}
