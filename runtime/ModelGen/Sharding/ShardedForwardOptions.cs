namespace ModelGen.Sharding;

/// <summary>How <see cref="ShardedForward"/> cuts a fully sharded model into units.</summary>
public sealed class ShardedForwardOptions
{
    /// <summary>
    /// Names of the modules to gather as units (key prefixes such as <c>model.layers.3</c> or <c>model.embed_tokens</c>).
    /// <see langword="null"/> (the default): every element of every <c>ModuleList</c>, plus the root for everything else.
    /// The root is always a unit: it gathers what no named unit claims.
    /// </summary>
    public IReadOnlyList<string>? Units { get; init; }
}
