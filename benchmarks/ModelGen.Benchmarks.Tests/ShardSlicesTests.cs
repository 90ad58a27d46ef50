using ModelGen.Benchmarks.Scenarios;

namespace ModelGen.Benchmarks.Tests;

public class ShardSlicesTests
{
    [Fact]
    public void SlicesAreTheTorchChunkRowsOfDimZero()
    {
        // 5 rows of 3 bytes on 4 ranks: torch.chunk gives 2, 2, 1 and no rows.
        MappedTensor[] tensors = [new(0, 15, 5)];

        TensorPiece[] slices = Enumerable.Range(0, 4).Select(rank => ShardSlices.SliceOf(tensors, 0, 4, rank)).ToArray();

        Assert.Equal([(0L, 6L), (6, 12), (12, 15), (15, 15)], slices.Select(s => (s.Begin, s.End)));
    }

    [Theory]
    [InlineData(1, 8, 3)]
    [InlineData(2, 4, 3)]
    [InlineData(2048, 2, 3)]
    [InlineData(7, 1, 7)]
    [InlineData(10, 6, 1)]
    public void SlicesTileTheTensorInRankOrder(long rows, long rowBytes, int ranks)
    {
        MappedTensor[] tensors = [new(0, rows * rowBytes, rows)];

        TensorPiece[] slices = Enumerable.Range(0, ranks).Select(rank => ShardSlices.SliceOf(tensors, 0, ranks, rank)).ToArray();

        Assert.Equal(0, slices[0].Begin);
        for (int rank = 1; rank < ranks; rank++) Assert.Equal(slices[rank - 1].End, slices[rank].Begin);
        Assert.Equal(rows * rowBytes, slices[^1].End);
        Assert.All(slices, s => Assert.Equal(0, s.Length % rowBytes));
    }

    [Fact]
    public void ZeroDimensionalTensorsStayWholeOnEveryRankAndEmptyOnesGiveNothing()
    {
        MappedTensor[] tensors = [new(0, 4, -1), new(0, 0, 0)];

        Assert.All(Enumerable.Range(0, 3), rank => Assert.Equal((0L, 4L), (ShardSlices.SliceOf(tensors, 0, 3, rank).Begin, ShardSlices.SliceOf(tensors, 0, 3, rank).End)));
        Assert.All(Enumerable.Range(0, 3), rank => Assert.Equal(0, ShardSlices.SliceOf(tensors, 1, 3, rank).Length));
    }

    [Fact]
    public void BytesThatAreNotWholeRowsAreRejectedNamingTheTensor()
    {
        MappedTensor[] tensors = [new(0, 10, 3)];

        var error = Assert.Throws<InvalidDataException>(() => ShardSlices.SliceOf(tensors, 0, 2, 0));
        Assert.Contains("tensor 0 has 10 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WindowsCoverEveryByteOnceInOrderAndAreBounded()
    {
        MappedTensor[] tensors = [new(0, 10, 10), new(0, 0, 0), new(0, 3, 3), new(0, 25, 5), new(0, 1, -1)];

        var windows = ShardSlices.Windows(tensors, 8);

        Assert.All(windows, w => Assert.InRange(w.Sum(p => p.Length), 1, 8));
        Assert.All(windows.Take(windows.Count - 1), w => Assert.Equal(8, w.Sum(p => p.Length)));
        var pieces = windows.SelectMany(w => w).ToArray();
        Assert.DoesNotContain(pieces, p => p.Tensor == 1);
        foreach (var byTensor in pieces.GroupBy(p => p.Tensor))
        {
            long next = 0;
            foreach (TensorPiece piece in byTensor)
            {
                Assert.Equal(next, piece.Begin);
                next = piece.End;
            }
            Assert.Equal(tensors[byTensor.Key].Length, next);
        }
        Assert.Equal(pieces.Select(p => p.Tensor).Order(), pieces.Select(p => p.Tensor));
    }

    [Fact]
    public void AWindowMustHoldAtLeastOneByte() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardSlices.Windows([new MappedTensor(0, 4, 4)], 0));

    [Theory]
    [InlineData(0, 10, 3, 6, 3, 6, 0, 3, 6, 10)]   // own rows inside the piece
    [InlineData(4, 10, 0, 6, 4, 6, 4, 4, 6, 10)]   // own rows start before the piece
    [InlineData(0, 4, 6, 9, 6, 6, 0, 4, 4, 4)]     // disjoint: all of the piece is outside
    [InlineData(2, 8, 5, 5, 5, 5, 2, 8, 8, 8)]     // no own rows: all of the piece is outside
    public void OverlapAndOutsideSplitAPieceAroundASlice(long begin, long end, long sliceBegin, long sliceEnd,
        long overlapBegin, long overlapEnd, long beforeBegin, long beforeEnd, long afterBegin, long afterEnd)
    {
        var piece = new TensorPiece(0, begin, end);
        var slice = new TensorPiece(0, sliceBegin, sliceEnd);

        TensorPiece overlap = ShardSlices.Overlap(piece, slice);
        var (before, after) = ShardSlices.Outside(piece, slice);

        Assert.Equal((overlapBegin, overlapEnd), (overlap.Begin, overlap.End));
        Assert.Equal((beforeBegin, beforeEnd), (before.Begin, before.End));
        Assert.Equal((afterBegin, afterEnd), (after.Begin, after.End));
        Assert.Equal(piece.Length, overlap.Length + before.Length + after.Length);
    }
}
