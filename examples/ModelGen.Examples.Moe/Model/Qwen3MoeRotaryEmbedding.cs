using ModelGen.Examples.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Examples.Moe.Model;

/// <summary>The rotary embedding shared by all layers (<c>model.rotary_emb</c>); <c>inv_freq</c> is computed after loading.</summary>
public sealed partial class Qwen3MoeRotaryEmbedding : nn.Module
{
    private readonly double _theta;
    private readonly int _headDim;
    private readonly RopeScaling? _scaling;

    [ComputedBuffer(nameof(ComputeInvFreq))]
    private Tensor inv_freq;

    /// <summary>Creates the embedding; <c>inv_freq</c> is a placeholder until the buffers are computed.</summary>
    public Qwen3MoeRotaryEmbedding(Qwen3MoeConfig config) : base(nameof(Qwen3MoeRotaryEmbedding))
    {
        ArgumentNullException.ThrowIfNull(config);
        _theta = config.RopeTheta;
        _headDim = config.HeadDim;
        _scaling = config.RopeScaling;
        inv_freq = torch.empty(_headDim / 2, dtype: ScalarType.Float32);
        RegisterComponents();
    }

    /// <summary>1 / theta^(2i/d), scaled as the config asks.</summary>
    public Tensor ComputeInvFreq(Device device)
    {
        Tensor plain = Rotary.InverseFrequencies(_theta, _headDim, device);
        if (_scaling is null) return plain;
        using (plain) return _scaling.Apply(plain);
    }

    /// <summary>cos and sin for positions 0..<paramref name="length"/>-1 in <paramref name="dtype"/>.</summary>
    public (Tensor Cos, Tensor Sin) CosSin(long length, ScalarType dtype) => Rotary.CosSin(inv_freq, length, dtype);
}
