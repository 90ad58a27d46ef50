namespace ModelGen.Mapping;

/// <summary>How a checkpoint key is held by a module, as TorchSharp's <c>RegisterComponents()</c> names it.</summary>
public enum TensorKind
{
    /// <summary>A trainable <c>Parameter</c>; appears in <c>named_parameters()</c>.</summary>
    Parameter,

    /// <summary>A non-parameter tensor (for example running statistics); appears in <c>named_buffers()</c>.</summary>
    Buffer,
}
