using ModelGen.Examples.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Examples.Llama.Model;

/// <summary>The SwiGLU feed-forward block (<c>mlp</c>): down(silu(gate(x)) * up(x)).</summary>
public sealed partial class LlamaMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear gate_proj, up_proj, down_proj;

    /// <summary>Creates the projections in <paramref name="dtype"/> on the default device.</summary>
    public LlamaMlp(int hiddenSize, int intermediateSize, bool bias, ScalarType dtype) : base(nameof(LlamaMlp))
    {
        gate_proj = nn.Linear(hiddenSize, intermediateSize, hasBias: bias, dtype: dtype);
        up_proj = nn.Linear(hiddenSize, intermediateSize, hasBias: bias, dtype: dtype);
        down_proj = nn.Linear(intermediateSize, hiddenSize, hasBias: bias, dtype: dtype);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x) => SwiGlu.Apply(gate_proj, up_proj, down_proj, x);
}
