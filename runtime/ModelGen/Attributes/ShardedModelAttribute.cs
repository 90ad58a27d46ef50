namespace ModelGen;

/// <summary>
/// Marks the root module of a model. The source generator follows the module tree from this class through its
/// fields, exactly as TorchSharp's <c>RegisterComponents()</c> names them, and emits the checkpoint key table and
/// the loading glue (an implementation of <see cref="Mapping.IShardedModel"/>). The class must be
/// <see langword="partial"/> and derive from a TorchSharp module.
/// </summary>
/// <remarks>
/// Keys are the names TorchSharp registers: the field name, or the name given by TorchSharp's
/// <c>[ComponentName(Name = "...")]</c>. A Hugging Face causal LM with its body under <c>model.</c> and
/// <c>lm_head</c> at the top is written as a root with two fields, <c>model</c> and <c>lm_head</c>.
/// <para>
/// <see cref="MissingKeys"/> and <see cref="UnexpectedKeys"/> are the model's key policy, read by the build and by
/// the load alike. Left unset, the project's MSBuild properties <c>ModelGenMissingKeys</c> and
/// <c>ModelGenUnexpectedKeys</c> decide, and without them both are <c>Refuse</c>; set here, they win.
/// </para>
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ShardedModelAttribute : Attribute
{
    /// <summary>What the build and the load do with a tensor the checkpoint lacks and the model does not declare new.</summary>
    public MissingKeyPolicy MissingKeys { get; set; } = MissingKeyPolicy.Refuse;

    /// <summary>What the build and the load do with a checkpoint key no member of the model takes.</summary>
    public UnexpectedKeyPolicy UnexpectedKeys { get; set; } = UnexpectedKeyPolicy.Refuse;
}
