using TorchSharp;

namespace ModelGen.Mapping;

/// <summary>
/// The initializers PyTorch and TorchSharp apply when they build a layer, for generated code to run on a
/// materialized tensor that the checkpoint did not provide. Every method fills <c>tensor</c> in place.
/// </summary>
public static class DefaultInit
{
    /// <summary><c>Linear</c>/<c>Conv</c> weight: kaiming-uniform with a = sqrt(5), i.e. uniform(±1/sqrt(fan_in)).</summary>
    public static void KaimingUniform(torch.Tensor tensor)
    {
        using var _ = torch.no_grad();
        torch.nn.init.kaiming_uniform_(tensor, a: Math.Sqrt(5));
    }

    /// <summary>
    /// <c>Linear</c>/<c>Conv</c> bias: uniform(±1/sqrt(fan_in)) with fan_in taken from the layer's weight shape
    /// (dimension 1 times the receptive field, as PyTorch computes it).
    /// </summary>
    public static void BiasFromWeight(torch.Tensor tensor, torch.Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        long fanIn = FanIn(weight.shape);
        double bound = fanIn > 0 ? 1.0 / Math.Sqrt(fanIn) : 0.0;
        Uniform(tensor, bound);
    }

    /// <summary><c>Bilinear</c> weight and bias: uniform(±1/sqrt(in1_features)), in1_features from the weight shape.</summary>
    public static void BilinearUniform(torch.Tensor tensor, torch.Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        Uniform(tensor, 1.0 / Math.Sqrt(weight.shape[1]));
    }

    /// <summary>Uniform(-bound, bound).</summary>
    public static void Uniform(torch.Tensor tensor, double bound)
    {
        using var _ = torch.no_grad();
        torch.nn.init.uniform_(tensor, -bound, bound);
    }

    /// <summary>Normal(0, 1): embeddings.</summary>
    public static void Normal(torch.Tensor tensor)
    {
        using var _ = torch.no_grad();
        torch.nn.init.normal_(tensor, 0.0, 1.0);
    }

    /// <summary>Ones: norm weights, running variance.</summary>
    public static void Ones(torch.Tensor tensor)
    {
        using var _ = torch.no_grad();
        tensor.fill_(1);
    }

    /// <summary>Zeros: norm biases, running mean, batch counters.</summary>
    public static void Zeros(torch.Tensor tensor)
    {
        using var _ = torch.no_grad();
        tensor.zero_();
    }

    /// <summary>A constant (for example <c>PReLU</c>'s 0.25).</summary>
    public static void Constant(torch.Tensor tensor, double value)
    {
        using var _ = torch.no_grad();
        tensor.fill_(value);
    }

    /// <summary>PyTorch's fan_in of a weight shape: dimension 1 times the product of the dimensions after it.</summary>
    public static long FanIn(ReadOnlySpan<long> weightShape)
    {
        if (weightShape.Length < 2) return weightShape.Length == 1 ? weightShape[0] : 1;
        long fanIn = weightShape[1];
        for (int d = 2; d < weightShape.Length; d++) fanIn *= weightShape[d];
        return fanIn;
    }
}
