using TorchSharp;

namespace ModelGen.Training;

/// <summary>What one forward call of a sharded unit leaves for its backward: the inputs (detached) and the random state.</summary>
internal sealed class UnitCall(ShardedTraining.TrainingUnit unit, torch.Tensor output, torch.Tensor[] inputs, torch.Tensor randomState)
{
    private torch.Tensor? _output = output;

    public ShardedTraining.TrainingUnit Unit { get; } = unit;

    /// <summary>
    /// The unit's inputs, detached, and out of any dispose scope: the forward that made them (a parent module's
    /// <c>NewDisposeScope</c>, say) ends long before backward needs them. Whether each required grad is kept beside.
    /// </summary>
    public torch.Tensor[] Inputs { get; } = inputs.Select(i => i.detach().DetachFromDisposeScope()).ToArray();

    public bool[] InputRequiresGrad { get; } = inputs.Select(i => i.requires_grad).ToArray();

    /// <summary>The generator state before the forward call, replayed by the recomputation (dropout draws alike).</summary>
    public torch.Tensor RandomState { get; } = randomState;

    /// <summary>Hands the forward output to autograd once; the call keeps no reference to it.</summary>
    public torch.Tensor TakeOutput()
    {
        torch.Tensor output = _output ?? throw new InvalidOperationException("A unit's output was taken twice.");
        _output = null;
        return output;
    }

    /// <returns>The gradient of each input (<see langword="null"/> for inputs that need none).</returns>
    public torch.Tensor?[] Backward(torch.Tensor gradOutput) => Unit.Backward(this, gradOutput);

    /// <summary>Frees the saved inputs once the unit's backward has run.</summary>
    public void Release()
    {
        foreach (torch.Tensor input in Inputs) input.Dispose();
        RandomState.Dispose();
    }
}
