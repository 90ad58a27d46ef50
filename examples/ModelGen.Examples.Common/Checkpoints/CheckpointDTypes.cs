using TorchSharp;

namespace ModelGen.Examples.Checkpoints;

/// <summary>The element types the examples write and load, by their command-line and Hugging Face names.</summary>
public static class CheckpointDTypes
{
    /// <summary>Command-line names accepted by <see cref="Parse"/>.</summary>
    public static readonly IReadOnlyList<string> Names = ["bf16", "f16", "f32"];

    /// <summary>Parses a command-line name (<c>bf16</c>, <c>f16</c>, <c>f32</c>) or a Hugging Face name (<c>bfloat16</c>, ...).</summary>
    /// <exception cref="ArgumentException">The name is none of these.</exception>
    public static torch.ScalarType Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "bf16" or "bfloat16" => torch.ScalarType.BFloat16,
        "f16" or "fp16" or "float16" or "half" => torch.ScalarType.Float16,
        "f32" or "fp32" or "float32" or "float" => torch.ScalarType.Float32,
        _ => throw new ArgumentException($"Unknown element type '{name}'; expected one of {string.Join(", ", Names)}.", nameof(name)),
    };

    /// <summary>The name Hugging Face configs use (<c>torch_dtype</c>): <c>bfloat16</c>, <c>float16</c>, <c>float32</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not one of the three types the examples use.</exception>
    public static string HuggingFaceName(torch.ScalarType dtype) => dtype switch
    {
        torch.ScalarType.BFloat16 => "bfloat16",
        torch.ScalarType.Float16 => "float16",
        torch.ScalarType.Float32 => "float32",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Only bf16, f16 and f32 are used by the examples."),
    };

    /// <summary>Bytes per element of <paramref name="dtype"/>.</summary>
    public static int ElementSize(torch.ScalarType dtype) => dtype == torch.ScalarType.Float32 ? 4 : 2;
}
