using System.Collections.Generic;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Parsing;

/// <summary>Arithmetic on <see cref="DimExpr"/>: folds known values, keeps the rest as an expression, never overflows silently.</summary>
internal static class DimArithmetic
{
    public static DimExpr Combine(DimKind kind, DimExpr left, DimExpr right, string text, LocationInfo? location)
    {
        if (left.Kind == DimKind.Opaque || right.Kind == DimKind.Opaque || left.Kind == DimKind.Tuple || right.Kind == DimKind.Tuple)
            return DimExpr.Opaque(text, location);
        if (left.IsConstant && right.IsConstant && Apply(kind, left.Value, right.Value) is { } value)
            return DimExpr.Constant(value, text, location);
        return DimExpr.Of(kind, "", text, location, left, right);
    }

    /// <summary>The value of an operation on two integers as C# computes it for sizes (integer division), or null on overflow or division by zero.</summary>
    public static long? Apply(DimKind kind, long a, long b)
    {
        try
        {
            return kind switch
            {
                DimKind.Add => checked(a + b),
                DimKind.Subtract => checked(a - b),
                DimKind.Multiply => checked(a * b),
                DimKind.Divide when b != 0 => a / b,
                _ => null,
            };
        }
        catch (System.OverflowException)
        {
            return null;
        }
    }

    /// <summary>
    /// The value of <paramref name="e"/> once every symbol in <paramref name="bindings"/> is replaced by its value;
    /// null when a symbol is unbound or the expression is opaque.
    /// </summary>
    public static long? Value(DimExpr e, IReadOnlyDictionary<string, long> bindings)
    {
        switch (e.Kind)
        {
            case DimKind.Constant: return e.Value;
            case DimKind.Symbol: return bindings.TryGetValue(e.Name, out long v) ? v : null;
            case DimKind.Add:
            case DimKind.Subtract:
            case DimKind.Multiply:
            case DimKind.Divide:
                long? a = Value(e.Operands[0], bindings), b = Value(e.Operands[1], bindings);
                return a is null || b is null ? null : Apply(e.Kind, a.Value, b.Value);
            default: return null;
        }
    }

    /// <summary>The symbols <paramref name="e"/> depends on, in order of appearance.</summary>
    public static void Symbols(DimExpr e, List<string> into)
    {
        if (e.Kind == DimKind.Symbol)
        {
            if (!into.Contains(e.Name)) into.Add(e.Name);
            return;
        }
        foreach (DimExpr operand in e.Operands) Symbols(operand, into);
    }
}
