namespace ModelGen.Generator.Mapping;

/// <summary>
/// The loader's rule for putting a checkpoint dtype into a model tensor (LoadPlan.Build), by name, so that the build's
/// MG0023 and <c>modelgen check</c> (which compiles this file too) decide exactly as the load does: the dtype must
/// have a TorchSharp element type, and a conversion is refused only between floating point and anything else.
/// </summary>
internal static class DtypeConversion
{
    /// <summary>What the dtype cannot be converted into (the end of the MG0023 message), or null when the loader converts it.</summary>
    /// <param name="checkpointDType">The safetensors dtype name, for example <c>I8</c>.</param>
    /// <param name="modelScalarType">The model tensor's TorchSharp <c>ScalarType</c> name, or null when unknown.</param>
    /// <param name="member">The model member the tensor belongs to, as the message names it.</param>
    public static string? Problem(string checkpointDType, string? modelScalarType, string member)
    {
        string? file = ScalarTypeOf(checkpointDType);
        if (file is null) return "any TorchSharp element type (TorchSharp 0.107 has none for it)";
        if (modelScalarType is null || file == modelScalarType || IsFloatingPoint(file) == IsFloatingPoint(modelScalarType)) return null;
        return $"the {modelScalarType} of '{member}' (the loader converts floating point only into floating point, and other types not into floating point)";
    }

    /// <summary>The TorchSharp <c>ScalarType</c> that holds a safetensors dtype bit for bit (SafeTensorsDTypes.TryGetScalarType).</summary>
    public static string? ScalarTypeOf(string dtype) => dtype switch
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

    /// <summary>The loader's floating point types (ScalarTypes.IsFloatingPoint).</summary>
    public static bool IsFloatingPoint(string scalarType) => scalarType is "Float16" or "BFloat16" or "Float32" or "Float64";
}
