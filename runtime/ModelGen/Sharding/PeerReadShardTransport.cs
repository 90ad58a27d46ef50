using ModelGen.Distributed;
using ModelGen.Loading.Transfer;
using ModelGen.Native;

namespace ModelGen.Sharding;

/// <summary>
/// On one machine: every other rank copies exactly its own rows out of rank 0's memory (<see cref="PeerMemory"/>), at
/// the addresses the batch's agreement carried, side by side with the others, while rank 0 prepares the next batch.
/// No rank ever receives a byte it does not keep.
/// </summary>
internal sealed class PeerReadShardTransport(IProcessGroup group, int rootProcessId, TransferCounts? counts = null) : IShardTransport
{
    public string Name => "peer-read";

    public Exception? Move(IReadOnlyList<PieceMove> batch, ReadOnlySpan<long> rootSources)
    {
        if (group.Rank == 0) return null;

        var ranges = new List<PeerRange>(batch.Count);
        for (int i = 0; i < batch.Count; i++)
        {
            (long sourceOffset, long length, long destinationOffset) = batch[i].Piece.ShareOf(batch[i].Item, group.Rank, group.Size);
            if (length > 0)
                ranges.Add(new PeerRange(batch[i].Destination + (nint)destinationOffset, (nint)(rootSources[i] + sourceOffset), length));
        }
        if (LocalFailure.Of(() => PeerMemory.Read(rootProcessId, ranges)) is { } e)
        {
            return new IOException(
                $"rank {group.Rank} could not copy its rows of {batch.Count} piece(s) out of rank 0's memory (process {rootProcessId}; " +
                $"the batch begins with {batch[0].Item.Describe()}): {e.Message}", e);
        }
        counts?.AddPeerRead(PeerMemory.TotalLength(ranges));
        return null;
    }
}
