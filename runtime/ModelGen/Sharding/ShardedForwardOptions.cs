namespace ModelGen.Sharding;

/// <summary>How <see cref="ShardedForward"/> cuts a fully sharded model into units.</summary>
public sealed class ShardedForwardOptions
{
    /// <summary>
    /// Names of the modules to gather as units (key prefixes such as <c>model.layers.3</c> or <c>model.embed_tokens</c>).
    /// <see langword="null"/> (the default): every element of every <c>ModuleList</c>, when a
    /// module outside the lists itself holds at least 1 MiB of sharded tensors not tied to another name (an embedding, an
    /// LM head), every module outside the lists that holds sharded tensors itself; plus the root for everything else.
    /// The root is always a unit: it gathers what no named unit claims.
    /// </summary>
    public IReadOnlyList<string>? Units { get; init; }
}
