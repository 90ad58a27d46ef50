using ModelGen.Sharding;
using TorchSharp;

namespace ModelGen.Tests.Sharding;

public sealed class ShardMathTests
{
    [Fact]
    public void RowsFollowTorchChunkForEveryRowCountAndRankCount()
    {
        for (int ranks = 1; ranks <= 9; ranks++)
        {
            for (long rows = 0; rows <= 40; rows++)
            {
                using torch.Tensor tensor = torch.arange(rows);
                torch.Tensor[] chunks = rows == 0 ? [] : tensor.chunk(ranks);
                long next = 0;
                for (int rank = 0; rank < ranks; rank++)
                {
                    (long start, long count) = ShardMath.RowsOf(rows, ranks, rank);
                    long expected = rank < chunks.Length ? chunks[rank].shape[0] : 0;
                    Assert.True(count == expected, $"rows {rows} on {ranks} ranks: rank {rank} holds {count}, torch.chunk gives {expected}");
                    Assert.True(count == 0 || start == next, $"rows {rows} on {ranks} ranks: rank {rank} starts at {start}, not {next}");
                    Assert.True(count <= ShardMath.ChunkRows(rows, ranks));
                    next += count;
                }
                Assert.Equal(rows, next);
                foreach (torch.Tensor chunk in chunks) chunk.Dispose();
            }
        }
    }

    [Theory]
    [InlineData(5, 4, new long[] { 2, 2, 1, 0 })]
    [InlineData(1, 3, new long[] { 1, 0, 0 })]
    [InlineData(2, 3, new long[] { 1, 1, 0 })]
    [InlineData(64, 3, new long[] { 22, 22, 20 })]
    public void ShortAndEmptyChunksGoToTheLastRanks(long rows, int ranks, long[] counts)
    {
        Assert.Equal(counts, Enumerable.Range(0, ranks).Select(r => ShardMath.RowsOf(rows, ranks, r).Count));
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardMath.ChunkRows(4, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardMath.ChunkRows(-1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardMath.RowsOf(4, 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardMath.RowsOf(4, 2, -1));
    }

    [Fact]
    public void OverlapIsEmptyWhenTheRangesDoNotMeet()
    {
        Assert.Equal((3L, 2L), ShardMath.Overlap(0, 5, 3, 10));
        Assert.Equal(0, ShardMath.Overlap(0, 3, 3, 10).Count);
        Assert.Equal(0, ShardMath.Overlap(5, 0, 0, 10).Count);
    }
}
