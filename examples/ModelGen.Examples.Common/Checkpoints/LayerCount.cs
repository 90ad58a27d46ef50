using TorchSharp;

namespace ModelGen.Examples.Checkpoints;

/// <summary>How many decoder layers make a random checkpoint of a requested size.</summary>
public static class LayerCount
{
    /// <summary>
    /// The layer count (at least one) whose parameters come closest to <paramref name="sizeMib"/> MiB of
    /// <paramref name="dtype"/>, given the parameter counts of the same model with one and with two layers.
    /// </summary>
    public static int ForSize(int sizeMib, torch.ScalarType dtype, long oneLayerParameters, long twoLayerParameters)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sizeMib);
        long perLayer = twoLayerParameters - oneLayerParameters;
        long target = (long)sizeMib * (1 << 20) / CheckpointDTypes.ElementSize(dtype);
        return (int)Math.Max(1, Math.Round((double)(target - (oneLayerParameters - perLayer)) / perLayer));
    }
}
