using ModelGen.Sharding;
using TorchSharp;

namespace ModelGen.Tests.Sharding;

public sealed class ShardPieceTests
{
    private static ShardedLoadItem Item(long[] shape, bool sharded = true) =>
        new("k", shape, torch.ScalarType.Float32, sharded, _ => { }, () => "k");

    [Fact]
    public void PiecesCoverEveryRowOnceWithinTheSizeLimit()
    {
        ShardedLoadItem[] items = [Item([1000, 256]), Item([3]), Item([0, 8]), Item([])];
        long limit = 100 * 256 * 4;
        ShardPiece[] pieces = ShardPiece.Cut(items, limit).ToArray();

        for (int i = 0; i < items.Length; i++)
        {
            ShardPiece[] mine = pieces.Where(p => p.Item == i).ToArray();
            Assert.NotEmpty(mine);
            Assert.Equal(items[i].Rows, mine.Sum(p => p.RowCount));
            Assert.True(mine[^1].IsLast);
            Assert.All(mine[..^1], p => Assert.False(p.IsLast));
            Assert.All(mine, p => Assert.True(p.ByteCount(items[i]) <= limit));
            long next = 0;
            foreach (ShardPiece p in mine) { Assert.Equal(next, p.RowStart); next += p.RowCount; }
        }
        Assert.Equal(10, pieces.Count(p => p.Item == 0));
    }

    [Fact]
    public void ARowLargerThanTheLimitIsAPieceOfItsOwn()
    {
        ShardPiece[] pieces = ShardPiece.Cut([Item([3, 1024])], 100).ToArray();
        Assert.Equal(3, pieces.Length);
        Assert.All(pieces, p => Assert.Equal(1, p.RowCount));
    }

    [Theory]
    [InlineData(64, 3)]
    [InlineData(2, 3)]
    [InlineData(1, 4)]
    [InlineData(17, 5)]
    public void TheRanksSharesOfAPieceTileItExactly(long rows, int ranks)
    {
        ShardedLoadItem item = Item([rows, 6]);
        foreach (ShardPiece piece in ShardPiece.Cut([item], 7 * 6 * 4))
        {
            var shares = Enumerable.Range(0, ranks).Select(r => (Rank: r, Share: piece.ShareOf(item, r, ranks))).Where(s => s.Share.Length > 0).ToArray();
            Assert.Equal(piece.ByteCount(item), shares.Sum(s => s.Share.Length));
            long next = 0;
            foreach (var (rank, share) in shares)
            {
                Assert.Equal(next, share.SourceOffset);
                next += share.Length;
                // The share lands at its row's place in the rank's own rows.
                (long start, long count) = ShardMath.RowsOf(rows, ranks, rank);
                long firstRow = piece.RowStart + share.SourceOffset / item.RowBytes;
                Assert.Equal((firstRow - start) * item.RowBytes, share.DestinationOffset);
                Assert.True(share.DestinationOffset + share.Length <= count * item.RowBytes);
            }
        }
    }

    [Fact]
    public void AReplicatedItemIsWholeOnEveryRank()
    {
        ShardedLoadItem item = Item([10, 2], sharded: false);
        foreach (ShardPiece piece in ShardPiece.Cut([item], 3 * 2 * 4))
        {
            for (int rank = 0; rank < 3; rank++)
            {
                var share = piece.ShareOf(item, rank, 3);
                Assert.Equal(new PieceShare(0, piece.ByteCount(item), piece.RowStart * item.RowBytes), share);
            }
        }
    }
}
