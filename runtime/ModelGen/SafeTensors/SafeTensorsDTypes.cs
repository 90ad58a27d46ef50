using TorchSharp;

namespace ModelGen.SafeTensors;

/// <summary>Facts about <see cref="SafeTensorsDType"/> values: names, sizes and the TorchSharp types they map to.</summary>
public static class SafeTensorsDTypes
{
    // An array of its own that parsing loops over by index: Enum.GetValues<T> and the enumerator of a list of an enum
    // are compiled in every fresh process, and every header parses a dtype. Declared before All, which copies it.
    private static readonly SafeTensorsDType[] Values = (SafeTensorsDType[])Enum.GetValues(typeof(SafeTensorsDType));

    /// <summary>Every dtype the format defines, in declaration order.</summary>
    public static IReadOnlyList<SafeTensorsDType> All { get; } = (SafeTensorsDType[])Values.Clone();

    /// <summary>Size of one element in bits (4, 6, 8, 16, 32 or 64).</summary>
    public static int BitSize(this SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F4 => 4,
        SafeTensorsDType.F6_E2M3 or SafeTensorsDType.F6_E3M2 => 6,
        SafeTensorsDType.BOOL or SafeTensorsDType.U8 or SafeTensorsDType.I8
            or SafeTensorsDType.F8_E4M3 or SafeTensorsDType.F8_E5M2 or SafeTensorsDType.F8_E8M0
            or SafeTensorsDType.F8_E4M3FNUZ or SafeTensorsDType.F8_E5M2FNUZ => 8,
        SafeTensorsDType.I16 or SafeTensorsDType.U16 or SafeTensorsDType.F16 or SafeTensorsDType.BF16 => 16,
        SafeTensorsDType.I32 or SafeTensorsDType.U32 or SafeTensorsDType.F32 => 32,
        SafeTensorsDType.I64 or SafeTensorsDType.U64 or SafeTensorsDType.F64 or SafeTensorsDType.C64 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Not a safetensors dtype."),
    };

    /// <summary>The spelling used in the file's <c>dtype</c> field, for example <c>BF16</c>.</summary>
    public static string Name(this SafeTensorsDType dtype) => dtype.ToString();

    /// <summary>Parses a <c>dtype</c> field. Exact, case-sensitive spelling, as the format requires.</summary>
    public static bool TryParse(ReadOnlySpan<char> name, out SafeTensorsDType dtype)
    {
        foreach (SafeTensorsDType candidate in Values)
        {
            if (name.SequenceEqual(candidate.Name()))
            {
                dtype = candidate;
                return true;
            }
        }
        dtype = default;
        return false;
    }

    /// <summary>
    /// The TorchSharp element type that holds this dtype bit for bit, when TorchSharp has one. TorchSharp 0.107
    /// has no unsigned 16/32/64-bit, 8-bit float or sub-byte types: those return <see langword="false"/>.
    /// </summary>
    public static bool TryGetScalarType(this SafeTensorsDType dtype, out torch.ScalarType scalarType)
    {
        torch.ScalarType? mapped = dtype switch
        {
            SafeTensorsDType.BOOL => torch.ScalarType.Bool,
            SafeTensorsDType.U8 => torch.ScalarType.Byte,
            SafeTensorsDType.I8 => torch.ScalarType.Int8,
            SafeTensorsDType.I16 => torch.ScalarType.Int16,
            SafeTensorsDType.I32 => torch.ScalarType.Int32,
            SafeTensorsDType.I64 => torch.ScalarType.Int64,
            SafeTensorsDType.F16 => torch.ScalarType.Float16,
            SafeTensorsDType.BF16 => torch.ScalarType.BFloat16,
            SafeTensorsDType.F32 => torch.ScalarType.Float32,
            SafeTensorsDType.F64 => torch.ScalarType.Float64,
            SafeTensorsDType.C64 => torch.ScalarType.ComplexFloat32,
            _ => null,
        };
        scalarType = mapped.GetValueOrDefault();
        return mapped.HasValue;
    }

    /// <summary>The dtype a TorchSharp element type is stored as; false for types the format cannot hold (for example complex128).</summary>
    public static bool TryFromScalarType(torch.ScalarType scalarType, out SafeTensorsDType dtype)
    {
        SafeTensorsDType? mapped = scalarType switch
        {
            torch.ScalarType.Bool => SafeTensorsDType.BOOL,
            torch.ScalarType.Byte => SafeTensorsDType.U8,
            torch.ScalarType.Int8 => SafeTensorsDType.I8,
            torch.ScalarType.Int16 => SafeTensorsDType.I16,
            torch.ScalarType.Int32 => SafeTensorsDType.I32,
            torch.ScalarType.Int64 => SafeTensorsDType.I64,
            torch.ScalarType.Float16 => SafeTensorsDType.F16,
            torch.ScalarType.BFloat16 => SafeTensorsDType.BF16,
            torch.ScalarType.Float32 => SafeTensorsDType.F32,
            torch.ScalarType.Float64 => SafeTensorsDType.F64,
            torch.ScalarType.ComplexFloat32 => SafeTensorsDType.C64,
            _ => null,
        };
        dtype = mapped.GetValueOrDefault();
        return mapped.HasValue;
    }
}
