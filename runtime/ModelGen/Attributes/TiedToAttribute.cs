namespace ModelGen;

/// <summary>
/// Ties a parameter to another one: both keys name one tensor (for example <c>lm_head.weight</c> tied to
/// <c>model.embed_tokens.weight</c>). The loader fills the target and puts the same tensor in this slot; a
/// checkpoint that omits this key is not reported.
/// </summary>
/// <remarks>
/// Put it on a <c>Parameter</c> field, or on a layer field and name the layer's parameter with
/// <see cref="Parameter"/> (for a <c>Linear</c> field, <c>Parameter = "weight"</c>).
/// </remarks>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = true, Inherited = false)]
public sealed class TiedToAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="key">The full checkpoint key of the parameter this one shares, as the root model names it.</param>
    public TiedToAttribute(string key) => Key = key;

    /// <summary>The full checkpoint key of the parameter this one shares.</summary>
    public string Key { get; }

    /// <summary>On a layer field: which of the layer's parameters is tied (for example <c>weight</c>).</summary>
    public string? Parameter { get; set; }
}
