using System.Security.Cryptography;
using TorchSharp;

namespace ModelGen.Examples.Reporting;

/// <summary>
/// A fingerprint of a forward pass's logits: their float64 sum (readable, tolerant to eyeballing) and the SHA-256
/// of their float32 bytes (exact: two runs agree only if every logit is bit-identical).
/// </summary>
/// <param name="Shape">Shape of the logits.</param>
/// <param name="Sum">Sum of the logits, accumulated in float64.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the logits as contiguous float32.</param>
public sealed record LogitsChecksum(long[] Shape, double Sum, string Sha256)
{
    /// <summary>Fingerprints <paramref name="logits"/> (any floating dtype, any device).</summary>
    public static LogitsChecksum Of(torch.Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        using var scope = torch.NewDisposeScope();
        var asFloat = logits.to(torch.CPU).to_type(torch.ScalarType.Float32).contiguous();
        double sum = asFloat.to_type(torch.ScalarType.Float64).sum().item<double>();
        string hash = Convert.ToHexStringLower(SHA256.HashData(asFloat.bytes));
        return new LogitsChecksum(logits.shape, sum, hash);
    }

    /// <summary>Shape as <c>[1, 16, 32000]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
