using ModelGen.Examples.Modeling;
using ModelGen.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Examples.Moe.Model;

/// <summary>
/// Qwen3 attention (<c>self_attn</c>): grouped-query causal attention whose queries and keys are RMS-normalized per
/// head (<c>q_norm</c>, <c>k_norm</c>) before the rotary embedding.
/// </summary>
public sealed partial class Qwen3MoeAttention : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly Linear q_proj, k_proj, v_proj, o_proj;
    private readonly RMSNorm q_norm, k_norm;
    private readonly int _heads, _kvHeads, _headDim;
    private readonly int? _slidingWindow;

    /// <summary>Creates the projections and norms in <paramref name="dtype"/> on the default device.</summary>
    public Qwen3MoeAttention(Qwen3MoeConfig config, ScalarType dtype) : base(nameof(Qwen3MoeAttention))
    {
        ArgumentNullException.ThrowIfNull(config);
        _heads = config.NumAttentionHeads;
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        _slidingWindow = config.SlidingWindow;
        q_proj = nn.Linear(config.HiddenSize, _heads * _headDim, hasBias: false, dtype: dtype);
        k_proj = nn.Linear(config.HiddenSize, _kvHeads * _headDim, hasBias: false, dtype: dtype);
        v_proj = nn.Linear(config.HiddenSize, _kvHeads * _headDim, hasBias: false, dtype: dtype);
        o_proj = nn.Linear(_heads * _headDim, config.HiddenSize, hasBias: false, dtype: dtype);
        q_norm = new RMSNorm(_headDim, eps: config.RmsNormEps, dtype: dtype);
        k_norm = new RMSNorm(_headDim, eps: config.RmsNormEps, dtype: dtype);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = torch.NewDisposeScope();
        // The norms act on the last dimension, so they apply per head before the heads move to dimension 1.
        var q = Rotary.Apply(CausalAttention.SplitHeads(q_norm.call(Heads(q_proj.call(x), _heads)), _heads, _headDim), cos, sin);
        var k = Rotary.Apply(CausalAttention.SplitHeads(k_norm.call(Heads(k_proj.call(x), _kvHeads)), _kvHeads, _headDim), cos, sin);
        var v = CausalAttention.SplitHeads(v_proj.call(x), _kvHeads, _headDim);
        var attended = CausalAttention.MergeHeads(CausalAttention.Attend(q, k, v, _slidingWindow));
        return o_proj.call(attended).MoveToOuterDisposeScope();
    }

    private Tensor Heads(Tensor projected, int heads) => projected.view(projected.shape[0], projected.shape[1], heads, _headDim);
}
