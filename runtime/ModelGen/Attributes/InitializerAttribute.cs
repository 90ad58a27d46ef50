namespace ModelGen;

/// <summary>
/// Replaces the default initializer of a parameter or buffer that the checkpoint does not provide. The named
/// instance method of the same class, with the signature <c>void Method(torch.Tensor tensor)</c>, fills the
/// materialized tensor in place (under <c>torch.no_grad()</c>).
/// </summary>
/// <remarks>
/// Put it on a <c>Parameter</c> or <c>Tensor</c> field, or on a layer field and name the layer's parameter or
/// buffer with <see cref="Parameter"/>.
/// </remarks>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = true, Inherited = false)]
public sealed class InitializerAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="method">Name of the method that fills the tensor (use <c>nameof</c>).</param>
    public InitializerAttribute(string method) => Method = method;

    /// <summary>Name of the method that fills the tensor.</summary>
    public string Method { get; }

    /// <summary>On a layer field: which of the layer's parameters or buffers this initializer fills.</summary>
    public string? Parameter { get; set; }
}
