using TorchSharp;
using TorchSharp.Modules;

namespace ModelGen.Examples.Modeling;

/// <summary>The gated feed-forward of the Llama family: down(act(gate(x)) * up(x)); SwiGLU when act is SiLU.</summary>
public static class GatedFeedForward
{
    /// <summary>Applies the three projections and <paramref name="activation"/> to <paramref name="x"/>.</summary>
    public static torch.Tensor Apply(Linear gate, Linear up, Linear down, HiddenActivation activation, torch.Tensor x)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(up);
        ArgumentNullException.ThrowIfNull(down);
        ArgumentNullException.ThrowIfNull(activation);
        using var scope = torch.NewDisposeScope();
        var gated = activation.Apply(gate.call(x)) * up.call(x);
        return down.call(gated).MoveToOuterDisposeScope();
    }
}
