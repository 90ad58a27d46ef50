namespace ModelGen.Sharding;

/// <summary>
/// The dim-0 split of fully sharded placement, the way <c>torch.chunk</c> splits a tensor (and FSDP2's per-parameter
/// <c>Shard(0)</c> with it): every rank's chunk has <c>ceil(d0 / N)</c> rows, the last non-empty chunk may be short, and
/// ranks past it hold no rows at all (d0 = 5 on 4 ranks gives 2, 2, 1, 0).
/// </summary>
public static class ShardMath
{
    /// <summary>The rows of a full chunk: <c>ceil(<paramref name="rows"/> / <paramref name="ranks"/>)</c>, the padded shard's row count.</summary>
    public static long ChunkRows(long rows, int ranks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ranks);
        return (rows + ranks - 1) / ranks;
    }

    /// <summary>The first row and the number of rows <paramref name="rank"/> holds of a tensor with <paramref name="rows"/> rows.</summary>
    public static (long Start, long Count) RowsOf(long rows, int ranks, int rank)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        // A plain check: ThrowIfGreaterThanOrEqual<int> is compiled in every fresh process, and every sharded tensor asks.
        if (rank >= ranks) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"must be less than the number of ranks ({ranks}).");
        long chunk = ChunkRows(rows, ranks);
        long start = Math.Min(rows, rank * chunk);
        return (start, Math.Min(chunk, rows - start));
    }

    /// <summary>The overlap of the rows [<paramref name="start"/>, + <paramref name="count"/>) with [<paramref name="otherStart"/>, + <paramref name="otherCount"/>).</summary>
    public static (long Start, long Count) Overlap(long start, long count, long otherStart, long otherCount)
    {
        long begin = Math.Max(start, otherStart);
        long end = Math.Min(start + count, otherStart + otherCount);
        return end > begin ? (begin, end - begin) : (begin, 0);
    }
}
