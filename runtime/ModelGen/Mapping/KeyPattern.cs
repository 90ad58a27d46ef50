namespace ModelGen.Mapping;

/// <summary>
/// One row of a model's generated checkpoint key table: a key pattern (with <c>{i}</c> for module list indices
/// and <c>{key}</c> for module dictionary keys) and what holds it. Static data, emitted by the generator.
/// </summary>
public sealed class KeyPattern
{
    /// <summary>Creates a row. Called by generated code.</summary>
    public KeyPattern(
        string pattern,
        TensorKind kind,
        string owner,
        string? initializer,
        bool optional = false,
        string? tiedTo = null,
        bool computed = false,
        string? member = null,
        bool declaredNew = false)
    {
        Pattern = pattern;
        Member = member;
        Kind = kind;
        Owner = owner;
        Initializer = initializer;
        Optional = optional;
        TiedTo = tiedTo;
        Computed = computed;
        DeclaredNew = declaredNew;
    }

    /// <summary>
    /// The C# member that holds the tensor, as the declaring class and field (and the layer's property), for example
    /// <c>LlamaAttention.q_proj.weight</c>; the generated glue reaches it through that field.
    /// </summary>
    public string? Member { get; }

    /// <summary>The key pattern, for example <c>model.layers.{i}.self_attn.q_proj.weight</c>.</summary>
    public string Pattern { get; }

    /// <summary>Parameter or buffer.</summary>
    public TensorKind Kind { get; }

    /// <summary>The module type that holds the tensor, for example <c>TorchSharp.Modules.Linear</c>.</summary>
    public string Owner { get; }

    /// <summary>
    /// What fills the tensor when the checkpoint lacks it (for example <c>kaiming_uniform(a=sqrt(5))</c> or a user
    /// method), or <see langword="null"/> when nothing can.
    /// </summary>
    public string? Initializer { get; }

    /// <summary>The key exists only for some instances (a constructor argument not known at build time decides).</summary>
    public bool Optional { get; }

    /// <summary>The key of the parameter this one shares (tied weights), or <see langword="null"/>.</summary>
    public string? TiedTo { get; }

    /// <summary>A buffer the model computes (<see cref="IShardedModel.ComputeBuffers"/>) rather than loads.</summary>
    public bool Computed { get; }

    /// <summary>
    /// The model declares the tensor new (an <see cref="InitializerAttribute"/>): when the checkpoint lacks it, the load
    /// initializes it whatever <see cref="CheckpointKeyTable.MissingKeys"/> says, and the build does not report it.
    /// </summary>
    public bool DeclaredNew { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Pattern} ({Kind})";
}
