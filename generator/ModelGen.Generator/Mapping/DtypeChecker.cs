using System.Collections.Generic;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Mapping;

/// <summary>
/// Checkpoint dtypes the loader cannot put into the model's tensors, by the loader's own rule (LoadPlan and
/// ScalarTypes): a dtype must have a TorchSharp element type, and floating point converts only into floating point
/// (integers, booleans and complex only into exactly their own type). Reported at the field, once per key pattern.
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
            string? target = Problem(dtype, match.Key.DType?.Name, match.Key.Member);
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

    /// <summary>What the dtype cannot be converted into (for the message), or null when the loader converts it.</summary>
    internal static string? Problem(string checkpointDType, string? modelScalarType, string member)
    {
        string? file = ScalarTypeOf(checkpointDType);
        if (file is null) return "any TorchSharp element type (TorchSharp 0.107 has none for it)";
        if (modelScalarType is null) return null;
        if (file == modelScalarType || IsFloatingPoint(file) == IsFloatingPoint(modelScalarType)
            && (IsFloatingPoint(file) || file == modelScalarType)) return null;
        return $"the {modelScalarType} of '{member}' (floating point converts only into floating point, other types only into themselves)";
    }

    /// <summary>The TorchSharp <c>ScalarType</c> that holds a safetensors dtype bit for bit (SafeTensorsDTypes.TryGetScalarType).</summary>
    private static string? ScalarTypeOf(string dtype) => dtype switch
    {
        "BOOL" => "Bool",
        "U8" => "Byte",
        "I8" => "Int8",
        "I16" => "Int16",
        "I32" => "Int32",
        "I64" => "Int64",
        "F16" => "Float16",
        "BF16" => "BFloat16",
        "F32" => "Float32",
        "F64" => "Float64",
        "C64" => "ComplexFloat32",
        _ => null,
    };

    private static bool IsFloatingPoint(string scalarType) => scalarType is "Float16" or "BFloat16" or "Float32" or "Float64";
}
