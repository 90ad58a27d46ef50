using TorchSharp;

namespace ModelGen.Loading;

/// <summary>Facts about TorchSharp element types that the planner needs without creating tensors.</summary>
internal static class ScalarTypes
{
    public static bool IsFloatingPoint(torch.ScalarType type) =>
        type is torch.ScalarType.Float16 or torch.ScalarType.BFloat16 or torch.ScalarType.Float32 or torch.ScalarType.Float64;

    public static int ElementSize(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Bool or torch.ScalarType.Byte or torch.ScalarType.Int8 => 1,
        torch.ScalarType.Int16 or torch.ScalarType.Float16 or torch.ScalarType.BFloat16 => 2,
        torch.ScalarType.Int32 or torch.ScalarType.Float32 => 4,
        torch.ScalarType.Int64 or torch.ScalarType.Float64 or torch.ScalarType.ComplexFloat32 => 8,
        torch.ScalarType.ComplexFloat64 => 16,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "element type without a known size"),
    };

    /// <summary>Bytes of a tensor of <paramref name="shape"/>, or of one slice of it over the dimensions from <paramref name="fromDim"/> on (1: a row of dim 0).</summary>
    public static long ByteCount(long[] shape, torch.ScalarType type, int fromDim = 0) => checked(ElementCount(shape, fromDim) * ElementSize(type));

    /// <summary>Elements of a tensor of <paramref name="shape"/>, or of one slice of it over the dimensions from <paramref name="fromDim"/> on.</summary>
    public static long ElementCount(long[] shape, int fromDim = 0)
    {
        // A loop, not LINQ: generic LINQ over long is compiled in every fresh process on its first load.
        long count = 1;
        for (int i = fromDim; i < shape.Length; i++) count = checked(count * shape[i]);
        return count;
    }

    /// <summary><paramref name="shape"/> with dim 0 set to <paramref name="rows"/> (a shard's or a gathered tensor's shape).</summary>
    public static long[] WithRows(long[] shape, long rows)
    {
        long[] result = (long[])shape.Clone();
        result[0] = rows;
        return result;
    }
}
