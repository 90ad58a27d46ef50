using TorchSharp;

namespace ModelGen.Loading;

/// <summary>
/// Builds a model on the meta device: parameters have shapes and dtypes but no memory, and initializers run on
/// nothing. TorchSharp's default device is a process-wide setting, not a scope, so it is restored however
/// construction ends.
/// </summary>
public static class MetaConstruction
{
    /// <summary>Runs <paramref name="factory"/> with the default device set to <c>meta</c> and returns what it built.</summary>
    /// <remarks>
    /// Layers that TorchSharp builds natively ignore the default device and allocate on the CPU (nn.Embedding,
    /// RNNs, Transformer layers); the generator reports them and ModelGen's layers replace the common ones.
    /// </remarks>
    public static T Build<T>(Func<T> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        torch.Device previous = torch.get_default_device();
        torch.set_default_device(torch.META);
        try
        {
            return factory();
        }
        finally
        {
            torch.set_default_device(previous);
        }
    }
}
