using ModelGen.Distributed;
using ModelGen.Loading.Transfer;

namespace ModelGen.Sharding;

/// <summary>
/// Across machines, or wherever peer reads are refused: each piece of a sharded tensor goes by MPI scatter, so that
/// every rank receives exactly its own rows and nothing else; a piece of a replicated tensor, which every rank keeps
/// whole, goes by broadcast.
/// </summary>
internal sealed class ScatterShardTransport(IProcessGroup group, TransferCounts? received = null) : IShardTransport
{
    public string Name => "scatter";

    public Exception? Move(IReadOnlyList<PieceMove> batch, ReadOnlySpan<long> rootSources) => LocalFailure.Of(() =>
    {
        bool isRoot = group.Rank == 0;
        var counts = new long[isRoot ? group.Size : 0];
        var offsets = new long[isRoot ? group.Size : 0];
        foreach (PieceMove move in batch)
        {
            (_, long length, long destinationOffset) = move.Piece.ShareOf(move.Item, group.Rank, group.Size);
            nint destination = move.Destination + (nint)destinationOffset;
            if (!isRoot) received?.AddMpi(length, fromOtherNode: false);
            if (!move.Item.Sharded)
            {
                if (move.Piece.ByteCount(move.Item) > 0)
                    group.BroadcastNative(isRoot ? move.Source : destination, move.Piece.ByteCount(move.Item), root: 0);
                continue;
            }
            if (isRoot)
            {
                for (int rank = 1; rank < group.Size; rank++)
                    (offsets[rank], counts[rank], _) = move.Piece.ShareOf(move.Item, rank, group.Size);
                // Rank 0's own rows are in place already (mapped) or kept from the staging tensor by the transfer.
                counts[0] = 0;
                offsets[0] = 0;
            }
            group.ScatterNative(move.Source, counts, offsets, isRoot ? 0 : destination, isRoot ? 0 : length, root: 0);
        }
    });
}
