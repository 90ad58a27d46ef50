namespace ModelGen;

/// <summary>
/// Marks a buffer (a non-parameter <c>Tensor</c> field) that the model computes rather than loads, such as a
/// rotary <c>inv_freq</c>. The named instance method of the same class, with the signature
/// <c>torch.Tensor Method(torch.Device device)</c>, is called by <see cref="Mapping.IShardedModel.ComputeBuffers"/>
/// and its result is registered as the buffer. The key is neither loaded nor reported as missing.
/// </summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
public sealed class ComputedBufferAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="method">Name of the method that computes the buffer (use <c>nameof</c>).</param>
    public ComputedBufferAttribute(string method) => Method = method;

    /// <summary>Name of the method that computes the buffer.</summary>
    public string Method { get; }
}
