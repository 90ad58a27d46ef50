using System.Runtime.InteropServices;
using ModelGen.Distributed;

namespace ModelGen.Saving;

/// <summary>
/// Brings every rank's bytes of one piece to rank 0: rank r's <c>counts[r]</c> bytes land at
/// <c>receive + offsets[r]</c> on rank 0. Every rank calls it with the same counts and offsets (all ranks can compute
/// them: the rows each rank holds follow from the global shape). Built on <see cref="IProcessGroup.BroadcastNative"/>,
/// which every group has: the ranks that hold a part send it in turn; a rank that neither sends nor is rank 0 takes
/// the bytes into a scratch buffer of at most one piece, which it reuses.
/// </summary>
internal sealed unsafe class PieceGather(IProcessGroup group) : IDisposable
{
    private nint _scratch;
    private long _scratchBytes;

    /// <summary>Bytes that reached rank 0 from other ranks.</summary>
    public long BytesReceived { get; private set; }

    public void Gather(nint send, long sendBytes, nint receive, ReadOnlySpan<long> counts, ReadOnlySpan<long> offsets)
    {
        if (counts[group.Rank] != sendBytes)
            throw new ArgumentException($"Rank {group.Rank} sends {sendBytes} bytes where {counts[group.Rank]} are expected.", nameof(sendBytes));
        for (int source = 0; source < group.Size; source++)
        {
            long count = counts[source];
            if (count == 0)
                continue;
            if (source == 0)
            {
                if (group.Rank == 0)
                    Buffer.MemoryCopy((void*)send, (void*)(receive + (nint)offsets[0]), count, count);
                continue;
            }
            nint at = group.Rank == 0 ? receive + (nint)offsets[source] : group.Rank == source ? send : Scratch(count);
            group.BroadcastNative(at, count, source);
            if (group.Rank == 0)
                BytesReceived += count;
        }
    }

    private nint Scratch(long bytes)
    {
        if (bytes > _scratchBytes)
        {
            NativeMemory.Free((void*)_scratch);
            _scratch = (nint)NativeMemory.Alloc((nuint)bytes);
            _scratchBytes = bytes;
        }
        return _scratch;
    }

    public void Dispose()
    {
        NativeMemory.Free((void*)_scratch);
        _scratch = 0;
        _scratchBytes = 0;
    }
}
