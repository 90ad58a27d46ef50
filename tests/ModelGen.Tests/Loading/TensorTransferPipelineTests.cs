using ModelGen.Distributed;
using ModelGen.Loading.Transfer;
using TorchSharp;

namespace ModelGen.Tests.Loading;

/// <summary>
/// The pipeline around a transport, on one process: a batch is handed over only after the next agreement, so a
/// batch whose move failed is never placed, and every failure disposes what was not handed over.
/// </summary>
public sealed class TensorTransferPipelineTests
{
    private static TransferItem Item(int id, List<string> log) =>
        new([2, 2], torch.ScalarType.Float32, t => { t.fill_(id); log.Add($"fill {id}"); }, () => $"reading 'k{id}'");

    private static IReadOnlyList<TransferItem>[] Batches(List<string> log, int count) =>
        Enumerable.Range(0, count).Select(i => (IReadOnlyList<TransferItem>)[Item(i, log)]).ToArray();

    /// <summary>Records moves; fails the move of one batch the way a receiver that cannot copy does.</summary>
    private sealed class RecordingTransport(List<string> log, int failAt = -1) : IBatchTransport
    {
        public string Name => "recording";

        public Exception? Move(IReadOnlyList<TransferItem> items, torch.Tensor[] tensors)
        {
            log.Add($"move {tensors[0][0, 0].item<float>()}");
            return tensors[0][0, 0].item<float>() == failAt ? new IOException("could not copy") : null;
        }
    }

    [Fact]
    public void EachBatchIsHandedOverAfterTheNextAgreementInOrder()
    {
        var log = new List<string>();
        using IProcessGroup group = ProcessGroups.Single();

        TensorTransfer.Run(group, new RecordingTransport(log), Batches(log, 3), i => i, "model",
            (batch, tensors) => log.Add($"placed {tensors[0][0, 0].item<float>()}"));

        Assert.Equal(["fill 0", "move 0", "fill 1", "placed 0", "move 1", "fill 2", "placed 1", "move 2", "placed 2"], log);
    }

    [Fact]
    public void ABatchThatFailedToMoveIsNeverPlacedAndEveryRankGetsTheSameError()
    {
        var log = new List<string>();
        var handed = new List<torch.Tensor>();
        using IProcessGroup group = ProcessGroups.Single();

        var error = Assert.Throws<DistributedLoadException>(() =>
            TensorTransfer.Run(group, new RecordingTransport(log, failAt: 1), Batches(log, 3), i => i, "model",
                (batch, tensors) => { handed.AddRange(tensors); log.Add($"placed {tensors[0][0, 0].item<float>()}"); }));

        Assert.Contains("could not copy", error.Message);
        Assert.Equal(["fill 0", "move 0", "fill 1", "placed 0", "move 1", "fill 2"], log);
        Assert.Single(handed);
    }

    [Fact]
    public void AFailureOfTheLastMoveIsCaughtByTheFinalAgreement()
    {
        var log = new List<string>();
        using IProcessGroup group = ProcessGroups.Single();

        Assert.Throws<DistributedLoadException>(() =>
            TensorTransfer.Run(group, new RecordingTransport(log, failAt: 1), Batches(log, 2), i => i, "model",
                (batch, tensors) => log.Add($"placed {tensors[0][0, 0].item<float>()}")));

        Assert.DoesNotContain("placed 1", log);
    }

    [Fact]
    public void AFailureWhilePlacingIsAgreedOnLikeAFailedMove()
    {
        var log = new List<string>();
        using IProcessGroup group = ProcessGroups.Single();

        var error = Assert.Throws<DistributedLoadException>(() =>
            TensorTransfer.Run(group, new RecordingTransport(log), Batches(log, 3), i => i, "model",
                (batch, tensors) => throw new InvalidOperationException("slot refused")));

        Assert.Contains("slot refused", error.Message);
        // Batch 0 failed to place after agreement 1; agreement 2, after batch 2 was filled, ends the load.
        Assert.Equal(["fill 0", "move 0", "fill 1", "move 1", "fill 2"], log);
    }
}
