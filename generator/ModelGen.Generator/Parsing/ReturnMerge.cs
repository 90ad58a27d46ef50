using System.Collections.Generic;
using System.Linq;

namespace ModelGen.Generator.Parsing;

/// <summary>
/// Combines the arguments of the creations a helper method returns in several ways (<c>if (big) return
/// nn.Linear(a, b); return nn.Linear(a, c);</c>): which return runs is decided at run time, so an argument keeps its
/// value only when every return gives the same one, and is otherwise not known at build time. No return is picked.
/// </summary>
internal static class ReturnMerge
{
    /// <summary>The arguments all <paramref name="returns"/> of helper <paramref name="helper"/> agree on, the others opaque.</summary>
    public static EquatableArray<NamedDim> Merge(string helper, IReadOnlyList<EquatableArray<NamedDim>> returns)
    {
        EquatableArray<NamedDim> first = returns[0];
        var result = new List<NamedDim>(first.Count);
        foreach (NamedDim argument in first)
        {
            var values = new List<DimExpr> { argument.Value };
            foreach (EquatableArray<NamedDim> other in returns.Skip(1))
            {
                NamedDim? match = other.FirstOrDefault(o => o.Name == argument.Name);
                // An argument one return does not have at all (another overload) is as unknown as one that differs.
                values.Add(match?.Value ?? DimExpr.Opaque(argument.Name, null));
            }
            result.Add(values.Skip(1).All(v => Alike(v, argument.Value))
                ? argument
                : new NamedDim(argument.Name, DimExpr.Opaque(Describe(helper, values), argument.Value.Location)));
        }
        return result.ToEquatableArray();
    }

    /// <summary>"Proj returns 16 or 8": what the coverage summary says the dimension is.</summary>
    private static string Describe(string helper, IEnumerable<DimExpr> values) =>
        helper + " returns " + string.Join(" or ", values.Select(v => v.Text).Distinct());

    /// <summary>The same value whatever the source text: constants by value, names by name, the rest by structure.</summary>
    internal static bool Alike(DimExpr a, DimExpr b)
    {
        if (a.Kind != b.Kind) return false;
        switch (a.Kind)
        {
            case DimKind.Constant: return a.Value == b.Value;
            case DimKind.Opaque: return false;
            case DimKind.Parameter:
            case DimKind.Symbol:
            case DimKind.DType:
                return a.Name == b.Name;
            default:
                return a.Name == b.Name && a.Operands.Count == b.Operands.Count && a.Operands.Zip(b.Operands, Alike).All(x => x);
        }
    }
}
