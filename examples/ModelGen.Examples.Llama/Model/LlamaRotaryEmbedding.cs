using ModelGen.Examples.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Examples.Llama.Model;

/// <summary>
/// The rotary embedding shared by all layers (<c>model.rotary_emb</c>). Its <c>inv_freq</c> is computed from the
/// config after loading, never read from the checkpoint (Hugging Face does not save it either).
/// </summary>
public sealed partial class LlamaRotaryEmbedding : nn.Module
{
    private readonly double _theta;
    private readonly int _headDim;
    private readonly RopeScaling? _scaling;

    [ComputedBuffer(nameof(ComputeInvFreq))]
    private Tensor inv_freq;

    /// <summary>Creates the embedding; <c>inv_freq</c> is a placeholder until the buffers are computed.</summary>
    public LlamaRotaryEmbedding(LlamaConfig config) : base(nameof(LlamaRotaryEmbedding))
    {
        ArgumentNullException.ThrowIfNull(config);
        _theta = config.RopeTheta;
        _headDim = config.HeadDim;
        _scaling = config.RopeScaling;
        inv_freq = torch.empty(_headDim / 2, dtype: ScalarType.Float32);
        RegisterComponents();
    }

    /// <summary>The inverse frequencies, scaled as the config asks.</summary>
    public Tensor ComputeInvFreq(Device device)
    {
        Tensor plain = Rotary.InverseFrequencies(_theta, _headDim, device);
        if (_scaling is null) return plain;
        using (plain) return _scaling.Apply(plain);
    }

    /// <summary>cos and sin for positions 0..<paramref name="length"/>-1 in <paramref name="dtype"/>, each [length, head_dim].</summary>
    public (Tensor Cos, Tensor Sin) CosSin(long length, ScalarType dtype) => Rotary.CosSin(inv_freq, length, dtype);
}
