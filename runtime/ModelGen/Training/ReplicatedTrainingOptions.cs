using ModelGen.Distributed;

namespace ModelGen.Training;

/// <summary>How <see cref="ReplicatedTraining"/> averages gradients.</summary>
public sealed class ReplicatedTrainingOptions
{
    /// <summary>PyTorch DDP's default bucket cap: 25 MiB.</summary>
    public const long DefaultBucketBytes = 25L * 1024 * 1024;

    /// <summary>The ranks to average over; <see langword="null"/>: the process-wide group of <see cref="ProcessGroups.FromEnvironment"/>.</summary>
    public IProcessGroup? ProcessGroup { get; init; }

    /// <summary>
    /// The most bytes of gradients fused into one all-reduce (<see cref="DefaultBucketBytes"/> by default). Larger buckets
    /// mean fewer, larger messages; each bucket is a temporary buffer of this size.
    /// </summary>
    public long BucketBytes { get; init; } = DefaultBucketBytes;

    /// <summary>
    /// Whether <see cref="ReplicatedTraining.Create"/> fixes the C allocator's mmap threshold at 1 MiB for the process
    /// (<see cref="LargeAllocations.MapFromSystem"/>), so freed large blocks leave the resident memory. On by default.
    /// </summary>
    public bool MapLargeAllocations { get; init; } = true;
}
