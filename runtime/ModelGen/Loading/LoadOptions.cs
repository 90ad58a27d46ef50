using ModelGen.Distributed;
using ModelGen.Sharding;
using TorchSharp;

namespace ModelGen.Loading;

/// <summary>How <see cref="ShardedLoader"/> loads a checkpoint.</summary>
public sealed class LoadOptions
{
    /// <summary>
    /// The ranks of the job. <see langword="null"/> (the default) picks from the environment: MPI when the process
    /// was started by <c>mpirun</c>, otherwise a single process that needs nothing installed.
    /// </summary>
    public IProcessGroup? ProcessGroup { get; init; }

    /// <summary>Where the loaded tensors live. The CPU by default; tensors are read and broadcast on the CPU and moved once.</summary>
    public torch.Device Device { get; init; } = torch.CPU;

    /// <summary>
    /// The element type of every loaded floating-point tensor, converted in bounded chunks while reading.
    /// <see langword="null"/> (the default) keeps each placeholder's own dtype, as the model was built.
    /// </summary>
    public torch.ScalarType? DType { get; init; }

    /// <summary>Checkpoint keys to skip, as globs (<c>*</c> within a segment, <c>**</c> across segments), in addition to the model's own.</summary>
    public IReadOnlyList<string> IgnoredKeys { get; init; } = [];

    /// <summary>
    /// Whether tensors the checkpoint lacks may be initialized where the model's key policy allows it (the default):
    /// tensors declared new with <see cref="InitializerAttribute"/>, and any under
    /// <see cref="MissingKeyPolicy.Initialize"/> (<see cref="Mapping.CheckpointKeyTable.MissingKeys"/>). When
    /// <see langword="false"/>, every missing tensor is an error on every rank. This option can only refuse more than
    /// the policy: a missing tensor the policy refuses is refused either way.
    /// </summary>
    public bool InitializeMissing { get; init; } = true;

    /// <summary>
    /// How tensors reach the other ranks. <see cref="LoadTransport.Auto"/> (the default) copies straight out of rank
    /// 0's memory when every rank is on its machine and may, and broadcasts otherwise.
    /// </summary>
    public LoadTransport Transport { get; init; } = LoadTransport.Auto;

    /// <summary>
    /// Whether rank 0's loaded tensors share pages with the checkpoint file (a private, copy-on-write mapping) instead
    /// of holding a copy: no fresh memory and no copy on rank 0, and the page cache is the storage. On by default;
    /// applies to tensors loaded to the CPU in the file's own element type at an aligned offset (the others are read).
    /// While the model lives, do not cut short or rewrite the checkpoint file in place (replacing it by renaming a
    /// new file over it is safe); turn this off if something might. A change during the load itself is caught either
    /// way (the load throws <see cref="SafeTensors.SafeTensorsFormatException"/>); one after the load returns reaches
    /// only a mapped model.
    /// </summary>
    public bool MapCheckpoint { get; init; } = true;

    /// <summary>
    /// How the model is spread over the ranks. <see cref="TensorPlacement.Replicated"/> (the default): every rank holds
    /// the whole model. <see cref="TensorPlacement.FullyShard"/>: every rank holds and receives only its dim-0 rows of
    /// each tensor (see docs/sharding.md); use <see cref="ShardedForward"/> to run it.
    /// </summary>
    public TensorPlacement Placement { get; init; } = TensorPlacement.Replicated;

    /// <summary>
    /// With <see cref="TensorPlacement.FullyShard"/>, keys (globs, as <see cref="IgnoredKeys"/>) that stay whole on every
    /// rank, in addition to the model's own <see cref="Mapping.IShardedModel.ReplicatedKeys"/>. Scalars and computed
    /// buffers are always replicated.
    /// </summary>
    public IReadOnlyList<string> ReplicatedKeys { get; init; } = [];

    /// <summary>
    /// How long any one collective of the load may wait for the other ranks (<see cref="IProcessGroup.Timeout"/>),
    /// applied to the group for the duration of the load and restored afterwards. <see langword="null"/> (the
    /// default) keeps the group's own, 10 minutes unless changed (<see cref="ProcessGroupTimeout.Default"/>). When it
    /// passes, every live rank throws <see cref="DistributedTimeoutException"/> naming the ranks that did not respond.
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// Whether every node's leader reads the checkpoint from its own disk, at the same path, instead of receiving it
    /// from rank 0: then no loaded bytes cross between nodes (only tensors the checkpoint lacks, initialized on rank
    /// 0, do). Off by default. Rank 0 still validates the checkpoint and shares its catalog; each leader first checks
    /// that its files have the same headers and sizes as rank 0's, and a difference is the same error on every rank,
    /// naming the node and the file. Replicated or fully sharded (each leader then reads every piece and keeps its
    /// node's rows); on one node it changes nothing. Set it alike on every rank. See docs/loading.md, "Several machines".
    /// </summary>
    public bool ReadOnEveryNode { get; init; }

    /// <summary>Receives progress after every tensor. Reported on every rank.</summary>
    public IProgress<LoadProgress>? Progress { get; init; }
}
