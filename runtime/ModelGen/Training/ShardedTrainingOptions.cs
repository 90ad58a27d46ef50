namespace ModelGen.Training;

/// <summary>How <see cref="ShardedTraining"/> cuts a fully sharded model into units and averages its replicated tensors.</summary>
public sealed class ShardedTrainingOptions
{
    /// <summary>
    /// Names of the modules gathered, recomputed and reduced as units (key prefixes such as <c>model.layers.3</c>), as
    /// <see cref="Sharding.ShardedForwardOptions.Units"/>. <see langword="null"/> (the default): every element of every
    /// <c>ModuleList</c>, when a module outside the lists itself holds at least 1 MiB of sharded tensors not tied to
    /// another name (an embedding, an LM head), every module outside the lists that holds sharded tensors itself; plus the
    /// root for everything else. A unit other than the root must be a module whose forward
    /// takes one to three tensors and returns one tensor.
    /// </summary>
    public IReadOnlyList<string>? Units { get; init; }

    /// <summary>
    /// The bucket cap for averaging the gradients of tensors kept whole on every rank (replicated keys), and the largest
    /// reduce-scatter input (N blocks) a unit's full gradients are reduced through: a larger gradient goes in several
    /// windows, so it never needs a second full-size copy. 25 MiB by default.
    /// </summary>
    public long BucketBytes { get; init; } = ReplicatedTrainingOptions.DefaultBucketBytes;

    /// <summary>
    /// Whether <see cref="ShardedTraining.Attach"/> fixes the C allocator's mmap threshold at 1 MiB for the process
    /// (<see cref="LargeAllocations.MapFromSystem"/>), so the gathered units and full gradients freed every step leave
    /// the resident memory. On by default.
    /// </summary>
    public bool MapLargeAllocations { get; init; } = true;
}
