using System.Runtime.InteropServices;
using ModelGen.Distributed;
using ModelGen.Native;
using ModelGen.Sharding;

namespace ModelGen.Loading.Transfer;

/// <summary>
/// Picks the transport for a load, the same on every rank. Peer reads are used only after every rank proved it can
/// use them: rank 0 publishes the address of a random value, and each rank must read back exactly that value from
/// rank 0's memory. A rank on another machine or in another process namespace cannot, whatever the reason. With
/// several nodes (<see cref="NodeGroups"/>) the probe runs in each node, against its leader, and each node decides alone.
/// </summary>
internal static class TransportSelection
{
    /// <summary>
    /// The transport of a replicated load, node-aware when the job spans several nodes; <see langword="null"/> for a
    /// single process. Counts what this rank receives into <paramref name="counts"/>.
    /// </summary>
    /// <exception cref="DistributedLoadException"><see cref="LoadTransport.PeerRead"/> was required and a rank cannot read its leader.</exception>
    public static IBatchTransport? ChooseBatch(IProcessGroup group, LoadTransport requested, TransferCounts counts)
    {
        if (group.Size == 1) return null;
        NodeGroups nodes = NodeGroups.Of(group);
        return nodes.Layout.Nodes == 1
            ? Choose(group, requested, counts)
            : new NodeBatchTransport(nodes, LeaderProcessId(nodes, requested), counts);
    }

    /// <summary>The transport of a fully sharded load, node-aware when the job spans several nodes; <see langword="null"/> for a single process.</summary>
    /// <exception cref="DistributedLoadException"><see cref="LoadTransport.PeerRead"/> was required and a rank cannot read its leader.</exception>
    public static IShardTransport? ChooseShard(IProcessGroup group, LoadTransport requested, TransferCounts counts)
    {
        if (group.Size == 1) return null;
        NodeGroups nodes = NodeGroups.Of(group);
        if (nodes.Layout.Nodes == 1)
        {
            return PeerReadRoot(group, requested) is { } rootProcessId
                ? new PeerReadShardTransport(group, rootProcessId, counts)
                : new ScatterShardTransport(group, counts);
        }
        return new NodeShardTransport(nodes, LeaderProcessId(nodes, requested), counts);
    }

    /// <summary>
    /// Whether the ranks of this node copy out of their leader's memory: the leader's process id when they do,
    /// <see langword="null"/> when they receive by MPI (the node refused, or is one rank). Every node probes its own
    /// ranks; only a required peer read makes one node's refusal every rank's error.
    /// </summary>
    private static int? LeaderProcessId(NodeGroups nodes, LoadTransport requested)
    {
        if (requested == LoadTransport.Broadcast) return null;
        (DistributedLoadException? refused, int leaderProcessId) = nodes.Node.Size > 1
            ? ProbePeerRead(nodes.Node, nodes.Job.Rank, nodes.Leader)
            : (null, Environment.ProcessId);
        if (requested == LoadTransport.PeerRead)
        {
            nodes.Job.ThrowIfAnyRankFailed(refused is null ? null
                : new IOException($"node {nodes.NodeId} cannot use peer reads: {refused.RankMessage}"));
        }
        return refused is null && nodes.Node.Size > 1 ? leaderProcessId : null;
    }

    /// <exception cref="DistributedLoadException"><see cref="LoadTransport.PeerRead"/> was required and a rank cannot read rank 0.</exception>
    public static IBatchTransport? Choose(IProcessGroup group, LoadTransport requested, TransferCounts? counts = null)
    {
        if (group.Size == 1) return null;
        return PeerReadRoot(group, requested) is { } rootProcessId
            ? new PeerReadTransport(group, rootProcessId, counts)
            : new BroadcastTransport(group, counts);
    }

    /// <summary>
    /// Whether the ranks copy out of rank 0's memory: rank 0's process id when they do, <see langword="null"/> when
    /// the bytes go by MPI instead. The same answer on every rank; call it on every rank of a group of two or more.
    /// </summary>
    /// <exception cref="DistributedLoadException"><see cref="LoadTransport.PeerRead"/> was required and a rank cannot read rank 0.</exception>
    public static int? PeerReadRoot(IProcessGroup group, LoadTransport requested)
    {
        if (requested == LoadTransport.Broadcast) return null;
        (DistributedLoadException? refused, int rootProcessId) = ProbePeerRead(group, group.Rank, 0);
        if (refused is null) return rootProcessId;
        if (requested == LoadTransport.PeerRead) throw refused;
        return null;
    }

    /// <summary>Every rank of <paramref name="group"/> tries to read its rank 0 (the job's rank <paramref name="sourceRank"/>); <paramref name="rank"/> names this one in messages.</summary>
    private static unsafe (DistributedLoadException? Refused, int RootProcessId) ProbePeerRead(IProcessGroup group, int rank, int sourceRank)
    {
        bool isRoot = group.Rank == 0;
        long* secret = isRoot ? (long*)NativeMemory.Alloc(sizeof(long)) : null;
        try
        {
            // A pointer, not a span of longs: MemoryMarshal.AsBytes<long> is compiled in every fresh process.
            long* message = stackalloc long[3]; // process id, address, value
            if (isRoot)
            {
                PeerMemory.AllowPeersToRead();
                // Unpredictable enough to tell processes apart; the shared generator needs no cryptography library
                // loaded (which costs the first load tens of milliseconds while every other rank waits).
                *secret = Random.Shared.NextInt64(long.MinValue, long.MaxValue);
                message[0] = Environment.ProcessId;
                message[1] = (long)secret;
                message[2] = *secret;
            }
            group.Broadcast(new Span<byte>(message, 3 * sizeof(long)), root: 0);
            int rootProcessId = checked((int)message[0]);
            Exception? failure = isRoot ? null : TryReadBack(rank, rootProcessId, (nint)message[1], message[2], sourceRank);
            return (group.AgreeOnError(failure), rootProcessId);
        }
        finally
        {
            if (secret is not null) NativeMemory.Free(secret);
        }
    }

    /// <summary>This rank's answer to the probe: null when it read back exactly the published value.</summary>
    internal static unsafe Exception? TryReadBack(int rank, int rootProcessId, nint address, long expected, int sourceRank = 0)
    {
        long seen = 0;
        PeerRange[] range = [new PeerRange((nint)(&seen), address, sizeof(long))];
        if (LocalFailure.Of(() => PeerMemory.Read(rootProcessId, range)) is { } e)
        {
            return new IOException($"rank {rank} cannot read rank {sourceRank}'s memory (process {rootProcessId}): {e.Message}", e);
        }
        return seen == expected
            ? null
            : new IOException($"rank {rank} read another process than rank {sourceRank} at process id {rootProcessId}: it is on another machine or in another process namespace.");
    }
}
