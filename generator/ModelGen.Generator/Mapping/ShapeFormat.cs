using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Parsing;

namespace ModelGen.Generator.Mapping;

/// <summary>How shapes and values read in messages: <c>[1024, 2816]</c>, <c>[config.IntermediateSize = 2816, 1024]</c>.</summary>
internal static class ShapeFormat
{
    public static string Checkpoint(IEnumerable<long> shape) => "[" + string.Join(", ", shape.Select(ShapeUnifier.Format)) + "]";

    public static string Model(IEnumerable<DimExpr> dims, IReadOnlyDictionary<string, long> values) =>
        "[" + string.Join(", ", dims.Select(d => Dim(d, values))) + "]";

    public static string Dim(DimExpr dim, IReadOnlyDictionary<string, long> values)
    {
        long? value = DimArithmetic.Value(dim, values);
        string text = dim.Kind == DimKind.Symbol ? dim.Name : dim.Text;
        if (value is null) return dim.Kind == DimKind.Opaque ? text + " (not known at build time)" : text;
        string number = ShapeUnifier.Format(value.Value);
        return text == number ? number : text + " = " + number;
    }

    /// <summary><c>Models.cs(12,30)</c>: file name and 1-based line and column.</summary>
    public static string Where(LocationInfo? location) =>
        location is null ? "" : $"{System.IO.Path.GetFileName(location.FilePath)}({location.LineSpan.Start.Line + 1},{location.LineSpan.Start.Character + 1})";

    public static string More(int count, string pattern) => count > 1 ? $" (and {count - 1} more keys like '{pattern}')" : "";
}
