using ModelGen.Sharding;

namespace ModelGen.Loading;

/// <summary>What a load did on this rank.</summary>
public sealed record LoadReport
{
    /// <summary>This process's rank.</summary>
    public required int Rank { get; init; }

    /// <summary>The number of ranks in the job.</summary>
    public required int Ranks { get; init; }

    /// <summary>The process group engine (<c>single</c> or <c>mpi</c>).</summary>
    public required string Backend { get; init; }

    /// <summary>
    /// How tensors reached the other ranks: <c>peer-read</c>, <c>broadcast</c> (replicated) or <c>scatter</c> (fully
    /// sharded) on one node, or <c>none</c> in a single process (see <see cref="LoadTransport"/>). On several nodes, how
    /// the data moved between the nodes' leaders and then inside this rank's node: <c>broadcast+peer-read</c>,
    /// <c>broadcast+broadcast</c>, <c>scatter+peer-read</c>, <c>scatter+scatter</c>, <c>...+none</c> for a node of one rank.
    /// </summary>
    public required string Transport { get; init; }

    /// <summary>Keys read from the checkpoint (rank 0) or received from rank 0 (other ranks).</summary>
    public required IReadOnlyList<string> LoadedKeys { get; init; }

    /// <summary>Keys the checkpoint lacks, initialized once and identical on every rank.</summary>
    public required IReadOnlyList<string> InitializedKeys { get; init; }

    /// <summary>
    /// Checkpoint keys skipped: an ignore glob matched, no member takes them under <see cref="UnexpectedKeyPolicy.Ignore"/>,
    /// they name a computed buffer, or they are tied to a key the checkpoint lacks.
    /// </summary>
    public required IReadOnlyList<string> IgnoredKeys { get; init; }

    /// <summary>Keys that share the tensor of another key (tied weights).</summary>
    public required IReadOnlyList<string> TiedKeys { get; init; }

    /// <summary>
    /// Of <see cref="TiedKeys"/>, those the checkpoint also holds as their own tensor, compared on rank 0 with the tensor
    /// they are tied to and found byte for byte the same, so the tie dropped nothing (a difference fails the load).
    /// </summary>
    public IReadOnlyList<string> IdenticalTiedKeys { get; init; } = [];

    /// <summary>Buffers computed by the model after loading.</summary>
    public required IReadOnlyList<string> ComputedKeys { get; init; }

    /// <summary>Bytes of the loaded and initialized tensors this rank ends up holding.</summary>
    public required long ParameterBytes { get; init; }

    /// <summary>
    /// Of <see cref="ParameterBytes"/>, the bytes whose tensors share pages with the checkpoint file instead of
    /// holding a copy (rank 0 only; see <see cref="LoadOptions.MapCheckpoint"/>).
    /// </summary>
    public long MappedBytes { get; init; }

    /// <summary>
    /// Bytes of every loaded and initialized tensor of the model, whole: <see cref="ParameterBytes"/> when replicated,
    /// about N times it when fully sharded over N ranks.
    /// </summary>
    public long ModelBytes { get; init; }

    /// <summary>
    /// Bytes of tensor data this rank received from rank 0 (0 on rank 0 and in one process). Replicated, every other
    /// rank receives the whole model; fully sharded, only its own rows: about 1/N of the model.
    /// </summary>
    public long ReceivedBytes { get; init; }

    /// <summary>The node this rank is on: 0, 1, ... in the order of the nodes' lowest ranks (see docs/loading.md, "Several machines").</summary>
    public int Node { get; init; }

    /// <summary>The number of nodes of the job (1 in one process or on one machine).</summary>
    public int Nodes { get; init; } = 1;

    /// <summary>The leader of this rank's node: its lowest rank, which alone talks to the other nodes.</summary>
    public int NodeLeader { get; init; }

    /// <summary>
    /// Tensor bytes that reached this rank through MPI collectives (broadcast, scatter), whether kept or passed on to
    /// the node's other ranks; control messages (a few bytes per batch) are not counted.
    /// </summary>
    public long MpiReceivedBytes { get; init; }

    /// <summary>Of <see cref="MpiReceivedBytes"/>, the bytes that came from another node: what crossed the network to this rank.</summary>
    public long MpiReceivedFromOtherNodesBytes { get; init; }

    /// <summary>Tensor bytes this rank copied out of the memory of a rank on its own node (rank 0 or its node's leader).</summary>
    public long PeerReadBytes { get; init; }

    /// <summary>Whether this rank read its own copy of the checkpoint (rank 0, and every node's leader with <see cref="LoadOptions.ReadOnEveryNode"/>).</summary>
    public bool ReadCheckpoint { get; init; }

    /// <summary>How the model's tensors are spread over the ranks (see <see cref="LoadOptions.Placement"/>).</summary>
    public TensorPlacement Placement { get; init; }

    /// <summary>For a fully sharded load, which rows of which tensors this rank holds; <see langword="null"/> when replicated.</summary>
    public ModelSharding? Sharding { get; init; }

    /// <summary>
    /// Wall-clock seconds of the load on this rank, from opening the checkpoint to the last check. With
    /// <see cref="ShardedLoader.ConstructAndLoad{T}"/> they start after the construction (<see cref="ConstructSeconds"/>),
    /// during which rank 0 already began opening the checkpoint.
    /// </summary>
    public required double Seconds { get; init; }

    /// <summary>
    /// Wall-clock seconds the model's construction took on this rank in <see cref="ShardedLoader.ConstructAndLoad{T}"/>,
    /// while rank 0 opened the checkpoint; 0 when the caller built the model. Not part of <see cref="Seconds"/>.
    /// </summary>
    public double ConstructSeconds { get; init; }

    /// <summary>
    /// Where <see cref="Seconds"/> went on this rank, phase by phase in the order they ran: <c>catalog</c> (rank 0
    /// opens and validates the checkpoint, every rank receives its catalog; on a job's first load the ranks are grouped by
    /// node in the same agreement), <c>nodes</c> (with several nodes, opening each node's own copy of the checkpoint),
    /// <c>plan</c> (matching the catalog with the model), <c>items</c> (a fully sharded load's list of what moves), <c>transport</c> (choosing how the data moves, the peer-read
    /// probe included), <c>transfer</c> (reading, moving and placing every tensor; a fully sharded load breaks it down into
    /// <c>allocate</c>, <c>prepare</c> (rank 0 makes each batch resident), <c>agree</c> (the per-batch error agreement,
    /// where the other ranks wait for rank 0), <c>move</c> and <c>complete</c>, leaving the rest in <c>transfer</c>), <c>finish</c> (ties, computed
    /// buffers, the final checks). The values add up to about <see cref="Seconds"/>.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, double>> PhaseSeconds { get; init; } = [];

    /// <summary>Initializer calls that ran on a key that was loaded: 0 unless something is badly wrong.</summary>
    public required int InitCallsOnLoaded { get; init; }

    /// <summary>Resident set size of this process before loading began, in bytes.</summary>
    public required long RssBeforeLoadBytes { get; init; }

    /// <summary>Peak resident set size of this process (VmHWM) after loading, in bytes.</summary>
    public required long PeakRssBytes { get; init; }

    /// <summary><see cref="ParameterBytes"/> per second of <see cref="Seconds"/>.</summary>
    public double BytesPerSecond => Seconds > 0 ? ParameterBytes / Seconds : 0;
}
