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

    public static long ByteCount(long[] shape, torch.ScalarType type) => checked(shape.Aggregate(1L, (a, b) => a * b) * ElementSize(type));
}
