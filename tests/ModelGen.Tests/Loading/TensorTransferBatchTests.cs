using ModelGen.Loading;
using ModelGen.Loading.Transfer;

namespace ModelGen.Tests.Loading;

public sealed class TensorTransferBatchTests
{
    private const long MiB = 1L << 20;

    private static List<long[]> Batch(params long[] sizes) =>
        TensorTransfer.Batches(sizes, s => s).Select(b => b.ToArray()).ToList();

    [Fact]
    public void BatchesKeepCheckpointOrderAndLoseNothing()
    {
        long[] sizes = Enumerable.Range(0, 500).Select(i => (long)(i % 7 == 0 ? 40 * MiB : (i % 5 + 1) * 300_000)).ToArray();
        Assert.Equal(sizes, Batch(sizes).SelectMany(b => b));
    }

    [Fact]
    public void ABatchHoldsAtMostTheBatchLimitUnlessOneTensorIsLarger()
    {
        var batches = Batch(200 * MiB, 100 * MiB, 300 * MiB, 10 * MiB);
        Assert.Equal([[200 * MiB], [100 * MiB], [300 * MiB], [10 * MiB]], batches);
        Assert.All(Batch(Enumerable.Repeat(30 * MiB, 40).ToArray()), b => Assert.True(b.Sum() <= TensorTransfer.BatchBytes));
    }

    [Fact]
    public void SmallTensorsArePackedUpToThePackLimitPerBatch()
    {
        long small = TensorTransfer.SmallTensorBytes;
        var batches = Batch(Enumerable.Repeat(small, 40).ToArray());
        Assert.Equal([16, 16, 8], batches.Select(b => b.Length));
        Assert.All(batches, b => Assert.True(b.Sum() <= TensorTransfer.PackLimitBytes));
    }

    [Fact]
    public void NoItemsNoBatches() => Assert.Empty(Batch());
}
