using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Manifest;
using ModelGen.Generator.Parsing;

namespace ModelGen.Generator.Mapping;

/// <summary>Where a symbol's value comes from: config.json, or the checkpoint key (and C# position) most uses agree with.</summary>
internal sealed record SymbolBinding(long Value, string Source, LocationInfo? Location, bool FromConfig);

/// <summary>
/// Gives every symbol of a model one value: config.json decides first (properties with <c>[JsonPropertyName]</c>);
/// otherwise each use of the symbol as a whole dimension or list length proposes the checkpoint's value, and the
/// value most uses propose wins (ties go to the first in model order), so the uses that disagree are the ones
/// reported. Dimensions such as <c>heads * head_dim</c> with one unknown symbol are solved once the others are known.
/// </summary>
internal static class ShapeUnifier
{
    private const int SolveRounds = 3;

    public static Dictionary<string, SymbolBinding> Bind(
        IReadOnlyList<ShapeMatch> matches,
        IReadOnlyList<(ShapedList List, long Count, string Example)> lists,
        ConfigSpec? config)
    {
        var bindings = new Dictionary<string, SymbolBinding>(System.StringComparer.Ordinal);
        if (config is not null) BindConfig(matches, lists, config, bindings);

        var candidates = new Dictionary<string, List<(long Value, string Key, LocationInfo? Location)>>(System.StringComparer.Ordinal);
        var order = new List<string>();
        void Propose(DimExpr dim, long value, string source)
        {
            if (dim.Kind != DimKind.Symbol || bindings.ContainsKey(dim.Name)) return;
            if (!candidates.TryGetValue(dim.Name, out var list))
            {
                candidates[dim.Name] = list = new List<(long, string, LocationInfo?)>();
                order.Add(dim.Name);
            }
            list.Add((value, source, dim.Location));
        }

        foreach (ShapeMatch match in matches)
        {
            if (!Comparable(match)) continue;
            for (int i = 0; i < match.Key.Dims.Count; i++)
            {
                DimExpr dim = match.Key.Dims[i];
                if (dim.Kind == DimKind.Symbol) Propose(dim, match.Entry.Shape[i], match.Entry.Key);
            }
        }
        foreach (var (list, count, example) in lists)
        {
            if (list.Length is { } length) Propose(length, count, example);
        }
        Decide(candidates, order, bindings);

        // Products and sums with one unknown symbol left: solve them now that the others are bound.
        IReadOnlyDictionary<string, long> values = Values(bindings);
        for (int round = 0; round < SolveRounds; round++)
        {
            candidates.Clear();
            order.Clear();
            foreach (ShapeMatch match in matches)
            {
                if (!Comparable(match)) continue;
                for (int i = 0; i < match.Key.Dims.Count; i++)
                {
                    DimExpr dim = match.Key.Dims[i];
                    if (dim.Kind is DimKind.Symbol or DimKind.Constant || DimArithmetic.Value(dim, values) is not null) continue;
                    if (Solve(dim, match.Entry.Shape[i], bindings, values) is { } solved) Propose(solved.Symbol, solved.Value, match.Entry.Key);
                }
            }
            if (candidates.Count == 0) break;
            Decide(candidates, order, bindings);
        }
        return bindings;
    }

    /// <summary>A match whose checkpoint shape and model shape can be compared dimension by dimension.</summary>
    public static bool Comparable(ShapeMatch match) =>
        match.Entry.HasShape && match.Key.Unknown is null && match.Key.Dims.Count == match.Entry.Shape.Count;

    public static IReadOnlyDictionary<string, long> Values(Dictionary<string, SymbolBinding> bindings) =>
        new ValueView(bindings);

    private static void BindConfig(IReadOnlyList<ShapeMatch> matches, IReadOnlyList<(ShapedList List, long Count, string Example)> lists,
        ConfigSpec config, Dictionary<string, SymbolBinding> bindings)
    {
        var symbols = new Dictionary<string, string>(System.StringComparer.Ordinal);
        void Collect(DimExpr e)
        {
            if (e.Kind == DimKind.Symbol && e.JsonName is not null) symbols[e.Name] = e.JsonName;
            foreach (DimExpr operand in e.Operands) Collect(operand);
        }
        var done = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (ShapeMatch match in matches)
        {
            if (!done.Add(match.Key.Pattern)) continue;
            foreach (DimExpr dim in match.Key.Dims) Collect(dim);
        }
        foreach (var (list, _, _) in lists)
        {
            if (list.Length is { } length) Collect(length);
        }
        foreach (KeyValuePair<string, string> symbol in symbols)
        {
            if (config.Find(symbol.Value) is { Integer: { } value } found)
                bindings[symbol.Key] = new SymbolBinding(value, $"config.json '{symbol.Value}'", found.Location(config.Path), FromConfig: true);
        }
    }

    private static void Decide(Dictionary<string, List<(long Value, string Key, LocationInfo? Location)>> candidates, List<string> order,
        Dictionary<string, SymbolBinding> bindings)
    {
        foreach (string symbol in order)
        {
            var proposals = candidates[symbol];
            // GroupBy keeps the order of first appearance, so the stable sort breaks ties by the first proposal.
            var best = proposals.GroupBy(p => p.Value)
                .Select(g => (Value: g.Key, Count: g.Count(), First: g.First()))
                .OrderByDescending(g => g.Count)
                .First();
            bindings[symbol] = new SymbolBinding(best.Value, "'" + best.First.Key + "'", best.First.Location, FromConfig: false);
        }
    }

    /// <summary>The one unknown symbol of an expression and the value that makes it equal <paramref name="target"/>, when integer arithmetic allows exactly one.</summary>
    private static (DimExpr Symbol, long Value)? Solve(DimExpr e, long target, Dictionary<string, SymbolBinding> bindings, IReadOnlyDictionary<string, long> values)
    {
        while (true)
        {
            if (e.Kind == DimKind.Symbol) return bindings.ContainsKey(e.Name) ? null : (e, target);
            if (e.Kind is not (DimKind.Add or DimKind.Subtract or DimKind.Multiply or DimKind.Divide)) return null;
            DimExpr left = e.Operands[0], right = e.Operands[1];
            long? a = DimArithmetic.Value(left, values), b = DimArithmetic.Value(right, values);
            if ((a is null) == (b is null)) return null;
            switch (e.Kind)
            {
                case DimKind.Add: target -= a ?? b!.Value; break;
                case DimKind.Subtract: target = a is null ? target + b!.Value : a.Value - target; break;
                case DimKind.Multiply:
                    long factor = a ?? b!.Value;
                    if (factor == 0 || target % factor != 0) return null;
                    target /= factor;
                    break;
                case DimKind.Divide:
                    // x / b = target has many integer solutions; only a / x with an exact quotient is unique enough to use.
                    if (a is null) { target = checked(target * b!.Value); break; }
                    return null;
            }
            e = a is null ? left : right;
        }
    }

    private sealed class ValueView : IReadOnlyDictionary<string, long>
    {
        private readonly Dictionary<string, SymbolBinding> _bindings;

        public ValueView(Dictionary<string, SymbolBinding> bindings) => _bindings = bindings;

        public long this[string key] => _bindings[key].Value;
        public IEnumerable<string> Keys => _bindings.Keys;
        public IEnumerable<long> Values => _bindings.Values.Select(b => b.Value);
        public int Count => _bindings.Count;
        public bool ContainsKey(string key) => _bindings.ContainsKey(key);

        public bool TryGetValue(string key, out long value)
        {
            bool found = _bindings.TryGetValue(key, out SymbolBinding? binding);
            value = found ? binding!.Value : 0;
            return found;
        }

        public IEnumerator<KeyValuePair<string, long>> GetEnumerator() =>
            _bindings.Select(p => new KeyValuePair<string, long>(p.Key, p.Value.Value)).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    internal static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
