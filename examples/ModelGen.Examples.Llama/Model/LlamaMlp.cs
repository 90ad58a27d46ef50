using ModelGen.Examples.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Examples.Llama.Model;

/// <summary>The gated feed-forward block (<c>mlp</c>): down(act(gate(x)) * up(x)), act from <c>hidden_act</c> (SwiGLU for SiLU).</summary>
public sealed partial class LlamaMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear gate_proj, up_proj, down_proj;
    private readonly HiddenActivation _activation;

    /// <summary>Creates the projections in <paramref name="dtype"/> on the default device.</summary>
    public LlamaMlp(int hiddenSize, int intermediateSize, bool bias, HiddenActivation activation, ScalarType dtype) : base(nameof(LlamaMlp))
    {
        ArgumentNullException.ThrowIfNull(activation);
        _activation = activation;
        gate_proj = nn.Linear(hiddenSize, intermediateSize, hasBias: bias, dtype: dtype);
        up_proj = nn.Linear(hiddenSize, intermediateSize, hasBias: bias, dtype: dtype);
        down_proj = nn.Linear(intermediateSize, hiddenSize, hasBias: bias, dtype: dtype);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x) => GatedFeedForward.Apply(gate_proj, up_proj, down_proj, _activation, x);
}
