using ModelGen.Examples.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Examples.Llama.Model;

/// <summary>Causal self-attention with rotary positions and grouped key/value heads (<c>self_attn</c>), over a sliding window where the config sets one for the layer.</summary>
public sealed partial class LlamaAttention : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly Linear q_proj, k_proj, v_proj, o_proj;
    private readonly int _heads, _kvHeads, _headDim;
    private readonly int? _slidingWindow;

    /// <summary>Creates the projections of layer <paramref name="layer"/> in <paramref name="dtype"/> on the default device.</summary>
    public LlamaAttention(LlamaConfig config, int layer, ScalarType dtype) : base(nameof(LlamaAttention))
    {
        ArgumentNullException.ThrowIfNull(config);
        _slidingWindow = config.WindowOf(layer);
        _heads = config.NumAttentionHeads;
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        q_proj = nn.Linear(config.HiddenSize, _heads * _headDim, hasBias: config.AttentionBias, dtype: dtype);
        k_proj = nn.Linear(config.HiddenSize, _kvHeads * _headDim, hasBias: config.AttentionBias, dtype: dtype);
        v_proj = nn.Linear(config.HiddenSize, _kvHeads * _headDim, hasBias: config.AttentionBias, dtype: dtype);
        o_proj = nn.Linear(_heads * _headDim, config.HiddenSize, hasBias: config.OutputProjectionBias, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>Attends over <paramref name="x"/> [batch, length, hidden] with the rotary cos/sin of its positions.</summary>
    public override Tensor forward(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = torch.NewDisposeScope();
        var q = Rotary.Apply(CausalAttention.SplitHeads(q_proj.call(x), _heads, _headDim), cos, sin);
        var k = Rotary.Apply(CausalAttention.SplitHeads(k_proj.call(x), _kvHeads, _headDim), cos, sin);
        var v = CausalAttention.SplitHeads(v_proj.call(x), _kvHeads, _headDim);
        var attended = CausalAttention.MergeHeads(CausalAttention.Attend(q, k, v, _slidingWindow));
        return o_proj.call(attended).MoveToOuterDisposeScope();
    }
}
