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
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ShardedModelAttribute : Attribute
{
}
