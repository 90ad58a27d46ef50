using ModelGen.Distributed;
using TorchSharp;

namespace ModelGen.Training;

/// <summary>The agreed forward and backward steps both placements share.</summary>
internal static class TrainingSteps
{
    /// <summary>Runs <paramref name="computeLoss"/>, then agrees with every rank on whether any failed.</summary>
    public static torch.Tensor Forward(IProcessGroup group, Func<torch.Tensor> computeLoss)
    {
        ArgumentNullException.ThrowIfNull(computeLoss);
        torch.Tensor? loss = null;
        Exception? failure = LocalFailure.Of(() => loss = Compute(computeLoss));
        if (group.AgreeOnError(failure) is { } agreed)
        {
            loss?.Dispose();
            throw agreed;
        }
        return loss!;
    }

    /// <summary>This rank's loss: a single value, or an exception saying why not.</summary>
    public static torch.Tensor Compute(Func<torch.Tensor> computeLoss)
    {
        torch.Tensor loss = computeLoss() ?? throw new InvalidOperationException("The loss function returned null.");
        if (loss.numel() != 1)
        {
            string shape = string.Join(", ", loss.shape);
            loss.Dispose();
            throw new InvalidOperationException($"The loss must be a single value to train on; it has shape [{shape}].");
        }
        return loss;
    }
}
