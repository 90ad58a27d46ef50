using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Examples.Moe.Model;

/// <summary>
/// The mixture-of-experts block (<c>mlp</c>): the router <c>gate</c> scores every expert per token, each token goes
/// to its top-k experts, and their outputs are summed with the (optionally renormalized) routing weights.
/// </summary>
public sealed partial class Qwen3MoeSparseBlock : nn.Module<Tensor, Tensor>
{
    private readonly Linear gate;
    private readonly ModuleList<Qwen3MoeExpert> experts;
    private readonly int _topK;
    private readonly bool _normTopK;

    /// <summary>Creates the router and experts in <paramref name="dtype"/> on the default device.</summary>
    public Qwen3MoeSparseBlock(Qwen3MoeConfig config, ScalarType dtype) : base(nameof(Qwen3MoeSparseBlock))
    {
        ArgumentNullException.ThrowIfNull(config);
        _topK = config.NumExpertsPerToken;
        _normTopK = config.NormTopKProb;
        gate = nn.Linear(config.HiddenSize, config.NumExperts, hasBias: false, dtype: dtype);
        experts = new ModuleList<Qwen3MoeExpert>(Enumerable.Range(0, config.NumExperts)
            .Select(_ => new Qwen3MoeExpert(config.HiddenSize, config.MoeIntermediateSize, config.HiddenAct, dtype)).ToArray());
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        long[] shape = x.shape;
        var tokens = x.reshape(-1, shape[^1]);
        // Routing in float32, as the reference does, then back to the activations' dtype.
        var probabilities = nn.functional.softmax(gate.call(tokens), dim: -1, dtype: ScalarType.Float32);
        var (weights, chosen) = probabilities.topk(_topK, dim: -1);
        if (_normTopK) weights = weights / weights.sum(-1, keepdim: true);
        weights = weights.to_type(x.dtype);

        var output = torch.zeros_like(tokens);
        for (int e = 0; e < experts.Count; e++)
        {
            // A token picks an expert at most once: its weight for e is the sum over its k slots where chosen == e.
            var picks = chosen.eq(e);
            var rows = picks.any(-1).nonzero().squeeze(-1);
            if (rows.numel() == 0) continue;
            var expertWeight = (weights * picks.to_type(weights.dtype)).sum(-1).index_select(0, rows).unsqueeze(-1);
            var contribution = experts[e].call(tokens.index_select(0, rows)) * expertWeight;
            output.index_add_(0, rows, contribution, 1);
        }
        return output.reshape(shape).MoveToOuterDisposeScope();
    }
}
