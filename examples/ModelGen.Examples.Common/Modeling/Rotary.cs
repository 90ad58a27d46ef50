using TorchSharp;

namespace ModelGen.Examples.Modeling;

/// <summary>
/// Rotary position embedding as Hugging Face's Llama family computes it (the "rotate half" layout, default
/// scaling): angles in float32, cos/sin cast to the activations' dtype.
/// </summary>
public static class Rotary
{
    /// <summary>1 / theta^(2i/d) for i in [0, d/2): the rotary inverse frequencies, float32.</summary>
    public static torch.Tensor InverseFrequencies(double theta, int headDim, torch.Device device)
    {
        if (headDim <= 0 || headDim % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "The rotary dimension must be positive and even.");
        using var exponents = torch.arange(0, headDim, 2, dtype: torch.ScalarType.Float32, device: device) / headDim;
        using var powers = torch.pow(theta, exponents);
        return powers.reciprocal();
    }

    /// <summary>
    /// cos and sin of position x frequency for positions 0..<paramref name="length"/>-1, each [length, head_dim]
    /// (the frequencies repeated once, as in Hugging Face), in <paramref name="dtype"/>.
    /// </summary>
    public static (torch.Tensor Cos, torch.Tensor Sin) CosSin(torch.Tensor inverseFrequencies, long length, torch.ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(inverseFrequencies);
        using var scope = torch.NewDisposeScope();
        var positions = torch.arange(length, dtype: torch.ScalarType.Float32, device: inverseFrequencies.device);
        var freqs = torch.outer(positions, inverseFrequencies);
        var angles = torch.cat([freqs, freqs], dim: -1);
        var cos = angles.cos().to_type(dtype);
        var sin = angles.sin().to_type(dtype);
        return (cos.MoveToOuterDisposeScope(), sin.MoveToOuterDisposeScope());
    }

    /// <summary>Rotates <paramref name="x"/> [batch, heads, length, head_dim] by the angles whose cos/sin are given.</summary>
    public static torch.Tensor Apply(torch.Tensor x, torch.Tensor cos, torch.Tensor sin)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = torch.NewDisposeScope();
        long half = x.shape[^1] / 2;
        var first = x.narrow(-1, 0, half);
        var second = x.narrow(-1, half, half);
        var rotated = torch.cat([second.neg(), first], dim: -1);
        return (x * cos + rotated * sin).MoveToOuterDisposeScope();
    }
}
