using TorchSharp;
using TorchSharp.Modules;

namespace ModelGen.Examples.Modeling;

/// <summary>The SwiGLU feed-forward of the Llama family: down(silu(gate(x)) * up(x)).</summary>
public static class SwiGlu
{
    /// <summary>Applies the three projections to <paramref name="x"/>.</summary>
    public static torch.Tensor Apply(Linear gate, Linear up, Linear down, torch.Tensor x)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(up);
        ArgumentNullException.ThrowIfNull(down);
        using var scope = torch.NewDisposeScope();
        var gated = torch.nn.functional.silu(gate.forward(x)) * up.forward(x);
        return down.forward(gated).MoveToOuterDisposeScope();
    }
}
