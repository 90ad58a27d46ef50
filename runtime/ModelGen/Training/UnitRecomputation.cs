using TorchSharp;

namespace ModelGen.Training;

/// <summary>
/// One unit's forward call as autograd sees it: its output came from a forward pass without gradients (the unit's
/// gathered tensors were freed right after), and its backward recomputes the unit with gradients
/// (<see cref="ShardedTraining"/>): gathers again, runs the unit on the saved inputs, reduce-scatters the parameter
/// gradients into the shards and returns the input gradients.
/// </summary>
internal sealed class UnitRecomputation : torch.autograd.MultiTensorFunction<UnitRecomputation>
{
    private const string CallKey = "call";

    /// <inheritdoc />
    public override string Name => "ShardedUnitRecomputation";

    /// <summary>vars: the <see cref="UnitCall"/>, then the unit's tensor inputs, then an anchor that requires grad (so backward always reaches the unit).</summary>
    public override List<torch.Tensor> forward(torch.autograd.AutogradContext ctx, params object[] vars)
    {
        var call = (UnitCall)vars[0];
        ctx.save_data(CallKey, call);
        torch.Tensor output = call.TakeOutput();
        return [output];
    }

    /// <inheritdoc />
    public override List<torch.Tensor> backward(torch.autograd.AutogradContext ctx, List<torch.Tensor> grad_outputs)
    {
        var call = (UnitCall)ctx.get_data(CallKey);
        torch.Tensor?[] inputGrads = call.Backward(grad_outputs[0]);
        // One entry per forward argument: none for the call object and the anchor.
        return [null!, .. inputGrads.Select(g => g!), null!];
    }
}
