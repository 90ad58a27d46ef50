using ModelGen.Examples.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Examples.Moe.Model;

/// <summary>One expert (<c>mlp.experts.{e}</c>): a small gated feed-forward (SwiGLU for SiLU).</summary>
public sealed partial class Qwen3MoeExpert : nn.Module<Tensor, Tensor>
{
    private readonly Linear gate_proj, up_proj, down_proj;
    private readonly HiddenActivation _activation;

    /// <summary>Creates the projections in <paramref name="dtype"/> on the default device.</summary>
    public Qwen3MoeExpert(int hiddenSize, int intermediateSize, HiddenActivation activation, ScalarType dtype) : base(nameof(Qwen3MoeExpert))
    {
        ArgumentNullException.ThrowIfNull(activation);
        _activation = activation;
        gate_proj = nn.Linear(hiddenSize, intermediateSize, hasBias: false, dtype: dtype);
        up_proj = nn.Linear(hiddenSize, intermediateSize, hasBias: false, dtype: dtype);
        down_proj = nn.Linear(intermediateSize, hiddenSize, hasBias: false, dtype: dtype);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x) => GatedFeedForward.Apply(gate_proj, up_proj, down_proj, _activation, x);
}
