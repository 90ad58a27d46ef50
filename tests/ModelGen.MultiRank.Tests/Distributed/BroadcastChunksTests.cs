using ModelGen.Distributed;

namespace ModelGen.MultiRank.Tests.Distributed;

public class BroadcastChunksTests
{
    [Theory]
    [InlineData(0L, 10)]
    [InlineData(1L, 10)]
    [InlineData(10L, 10)]
    [InlineData(11L, 10)]
    [InlineData((5L << 30) + 3, BroadcastChunks.DefaultMaxChunkBytes)]
    [InlineData(3L * int.MaxValue, int.MaxValue)]
    public void PiecesTileTheRangeInOrderAndEachFitsAnMpiCount(long total, int max)
    {
        var pieces = BroadcastChunks.Plan(total, max).ToList();

        long next = 0;
        foreach ((long offset, int length) in pieces)
        {
            Assert.Equal(next, offset);
            Assert.InRange(length, 1, max);
            next += length;
        }
        Assert.Equal(total, next);
        Assert.Equal((total + max - 1) / max, pieces.Count);
    }

    [Fact]
    public void ATensorOverTwoGibibytesNeedsMoreThanOneCallByDefault()
    {
        long justOver = (long)int.MaxValue + 1;

        Assert.Equal(
            [(0L, 1 << 30), (1L << 30, 1 << 30)],
            BroadcastChunks.Plan(justOver, BroadcastChunks.DefaultMaxChunkBytes).ToList());
    }

    [Fact]
    public void NegativeLengthsAndEmptyPiecesAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BroadcastChunks.Plan(-1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => BroadcastChunks.Plan(10, 0));
    }
}
