namespace ModelGen.Sharding;

/// <summary>
/// A run of whole rows of one tensor that moves as a unit: large tensors are cut into pieces so that rank 0 never needs
/// more than a bounded window of any tensor resident at once. A dim-0 row range is one contiguous byte range of the
/// tensor, so each rank's share of a piece is one contiguous range too.
/// </summary>
internal sealed record ShardPiece(int Item, long RowStart, long RowCount, bool IsLast)
{
    /// <summary>Cuts every item into pieces of at most <paramref name="pieceBytes"/> (at least one row each), in item order.</summary>
    public static IEnumerable<ShardPiece> Cut(IReadOnlyList<ShardedLoadItem> items, long pieceBytes)
    {
        for (int i = 0; i < items.Count; i++)
        {
            ShardedLoadItem item = items[i];
            long rowsPerPiece = item.RowBytes == 0 ? Math.Max(1, item.Rows) : Math.Max(1, pieceBytes / item.RowBytes);
            if (item.Rows == 0)
            {
                yield return new ShardPiece(i, 0, 0, IsLast: true);
                continue;
            }
            for (long start = 0; start < item.Rows; start += rowsPerPiece)
            {
                long count = Math.Min(rowsPerPiece, item.Rows - start);
                yield return new ShardPiece(i, start, count, IsLast: start + count == item.Rows);
            }
        }
    }

    /// <summary>
    /// What <paramref name="rank"/> takes of this piece: the offset into the piece's bytes, the length, and the offset
    /// into the rank's own tensor (whose first row is the rank's first row).
    /// </summary>
    public PieceShare ShareOf(ShardedLoadItem item, int rank, int ranks)
    {
        (long start, long count) = item.RowsOf(rank, ranks);
        (long overlapStart, long overlapCount) = ShardMath.Overlap(RowStart, RowCount, start, count);
        return new PieceShare((overlapStart - RowStart) * item.RowBytes, overlapCount * item.RowBytes, (overlapStart - start) * item.RowBytes);
    }

    /// <summary>Bytes of the piece.</summary>
    public long ByteCount(ShardedLoadItem item) => RowCount * item.RowBytes;
}

/// <summary>
/// One rank's share of a <see cref="ShardPiece"/> (see <see cref="ShardPiece.ShareOf"/>), in bytes. A struct of this
/// library rather than a tuple of three longs, whose constructor is compiled in every fresh process.
/// </summary>
internal readonly record struct PieceShare(long SourceOffset, long Length, long DestinationOffset);
