using System.Runtime.InteropServices;
using System.Security.Cryptography;
using ModelGen.Distributed;
using ModelGen.Native;

namespace ModelGen.Loading.Transfer;

/// <summary>
/// Picks the transport for a load, the same on every rank. Peer reads are used only after every rank proved it can
/// use them: rank 0 publishes the address of a random value, and each rank must read back exactly that value from
/// rank 0's memory. A rank on another machine or in another process namespace cannot, whatever the reason.
/// </summary>
internal static class TransportSelection
{
    /// <exception cref="DistributedLoadException"><see cref="LoadTransport.PeerRead"/> was required and a rank cannot read rank 0.</exception>
    public static IBatchTransport? Choose(IProcessGroup group, LoadTransport requested)
    {
        if (group.Size == 1) return null;
        return PeerReadRoot(group, requested) is { } rootProcessId
            ? new PeerReadTransport(group, rootProcessId)
            : new BroadcastTransport(group);
    }

    /// <summary>
    /// Whether the ranks copy out of rank 0's memory: rank 0's process id when they do, <see langword="null"/> when
    /// the bytes go by MPI instead. The same answer on every rank; call it on every rank of a group of two or more.
    /// </summary>
    /// <exception cref="DistributedLoadException"><see cref="LoadTransport.PeerRead"/> was required and a rank cannot read rank 0.</exception>
    public static int? PeerReadRoot(IProcessGroup group, LoadTransport requested)
    {
        if (requested == LoadTransport.Broadcast) return null;
        (DistributedLoadException? refused, int rootProcessId) = ProbePeerRead(group);
        if (refused is null) return rootProcessId;
        if (requested == LoadTransport.PeerRead) throw refused;
        return null;
    }

    private static unsafe (DistributedLoadException? Refused, int RootProcessId) ProbePeerRead(IProcessGroup group)
    {
        bool isRoot = group.Rank == 0;
        long* secret = isRoot ? (long*)NativeMemory.Alloc(sizeof(long)) : null;
        try
        {
            Span<long> message = stackalloc long[3]; // process id, address, value
            if (isRoot)
            {
                PeerMemory.AllowPeersToRead();
                *secret = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(sizeof(long)));
                message[0] = Environment.ProcessId;
                message[1] = (long)secret;
                message[2] = *secret;
            }
            group.Broadcast(MemoryMarshal.AsBytes(message), root: 0);
            int rootProcessId = checked((int)message[0]);
            Exception? failure = isRoot ? null : TryReadBack(group.Rank, rootProcessId, (nint)message[1], message[2]);
            return (group.AgreeOnError(failure), rootProcessId);
        }
        finally
        {
            if (secret is not null) NativeMemory.Free(secret);
        }
    }

    /// <summary>This rank's answer to the probe: null when it read back exactly the published value.</summary>
    internal static unsafe Exception? TryReadBack(int rank, int rootProcessId, nint address, long expected)
    {
        long seen = 0;
        PeerRange[] range = [new PeerRange((nint)(&seen), address, sizeof(long))];
        if (LocalFailure.Of(() => PeerMemory.Read(rootProcessId, range)) is { } e)
        {
            return new IOException($"rank {rank} cannot read rank 0's memory (process {rootProcessId}): {e.Message}", e);
        }
        return seen == expected
            ? null
            : new IOException($"rank {rank} read another process than rank 0 at process id {rootProcessId}: it is on another machine or in another process namespace.");
    }
}
