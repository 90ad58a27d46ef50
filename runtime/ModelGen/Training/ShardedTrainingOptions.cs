namespace ModelGen.Training;

/// <summary>How <see cref="ShardedTraining"/> cuts a fully sharded model into units and averages its replicated tensors.</summary>
public sealed class ShardedTrainingOptions
{
    /// <summary>
    /// Names of the modules gathered, recomputed and reduced as units (key prefixes such as <c>model.layers.3</c>), as
    /// <see cref="Sharding.ShardedForwardOptions.Units"/>. <see langword="null"/> (the default): every element of every
    /// <c>ModuleList</c>, plus the root for everything else. A unit other than the root must be a module whose forward
    /// takes one to three tensors and returns one tensor.
    /// </summary>
    public IReadOnlyList<string>? Units { get; init; }

    /// <summary>The bucket cap for averaging the gradients of tensors kept whole on every rank (replicated keys).</summary>
    public long BucketBytes { get; init; } = ReplicatedTrainingOptions.DefaultBucketBytes;
}
