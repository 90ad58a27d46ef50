using ModelGen.Distributed;

namespace ModelGen.Saving;

/// <summary>
/// Brings every rank's bytes of one piece to rank 0 with <see cref="IProcessGroup.GatherNative"/>: rank r's
/// <c>counts[r]</c> bytes land at <c>receive + offsets[r]</c> on rank 0, and no other rank receives anything. Every
/// rank can compute the counts (the rows each rank holds follow from the global shape), and counts what rank 0 took in.
/// </summary>
internal sealed class PieceGather(IProcessGroup group)
{
    /// <summary>Bytes that reached rank 0 from other ranks.</summary>
    public long BytesReceived { get; private set; }

    public void Gather(nint send, long sendBytes, nint receive, ReadOnlySpan<long> counts, ReadOnlySpan<long> offsets)
    {
        group.GatherNative(send, sendBytes, receive, counts, offsets, root: 0);
        if (group.Rank != 0)
            return;
        for (int r = 1; r < counts.Length; r++)
            BytesReceived += counts[r];
    }
}
