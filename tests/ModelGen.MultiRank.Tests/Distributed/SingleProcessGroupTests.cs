using ModelGen.Distributed;
using TorchSharp;

namespace ModelGen.MultiRank.Tests.Distributed;

/// <summary>The default group: this process alone.</summary>
public class SingleProcessGroupTests
{
    [Fact]
    public void WithoutLauncherVariablesTheProcessIsRankZeroOfOne()
    {
        using IProcessGroup group = ProcessGroups.FromVariables(_ => null, "libmpi-not-installed.so.40");

        Assert.IsType<SingleProcessGroup>(group);
        Assert.Equal(("single", 0, 1, 0, 1), (group.Backend, group.Rank, group.Size, group.LocalRank, group.LocalSize));
    }

    [Fact]
    public void ATorchrunJobOfOneProcessRunsAloneButLargerOnesAreRefusedWithAnExplanation()
    {
        var one = new Dictionary<string, string> { ["WORLD_SIZE"] = "1", ["RANK"] = "0" };
        using (IProcessGroup group = ProcessGroups.FromVariables(one.GetValueOrDefault, "libmpi-not-installed.so.40"))
            Assert.IsType<SingleProcessGroup>(group);

        var four = new Dictionary<string, string> { ["WORLD_SIZE"] = "4", ["RANK"] = "2" };
        var error = Assert.Throws<NotSupportedException>(() => ProcessGroups.FromVariables(four.GetValueOrDefault, "libmpi-not-installed.so.40"));
        Assert.Contains("mpirun", error.Message);
    }

    [Fact]
    public void CollectivesReturnWhatThisProcessGave()
    {
        using var group = new SingleProcessGroup();
        using var tensor = torch.arange(0, 10, dtype: torch.int64);

        group.Broadcast(tensor);
        group.Barrier();
        Span<byte> span = [1, 2, 3];
        group.Broadcast(span);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), tensor.data<long>().ToArray());
        Assert.Equal([1, 2, 3], span.ToArray());
        Assert.Equal([4, 5], group.BroadcastMessage([4, 5]));
        Assert.Equal(-3, group.AllReduceMax(-3));
    }

    [Fact]
    public void TheAgreementReportsNothingOrThisProcessesFailure()
    {
        using var group = new SingleProcessGroup();
        var failure = new KeyNotFoundException("no tensor named 'lm_head.weight'");

        Assert.Null(group.AgreeOnError(null));
        DistributedLoadException agreed = group.AgreeOnError(failure)!;

        Assert.Equal((0, 1), (agreed.FailingRank, agreed.WorldSize));
        Assert.Same(failure, agreed.InnerException);
        Assert.Equal("System.Collections.Generic.KeyNotFoundException: no tensor named 'lm_head.weight'", agreed.RankMessage);
        Assert.Equal("Rank 0 of 1 failed: System.Collections.Generic.KeyNotFoundException: no tensor named 'lm_head.weight'", agreed.Message);
    }

    [Fact]
    public void RunAndAgreeThrowsTheAgreedFailureAndPassesOtherwise()
    {
        using var group = new SingleProcessGroup();
        bool ran = false;

        group.RunAndAgree(() => ran = true);
        var error = Assert.Throws<DistributedLoadException>(() => group.RunAndAgree(() => throw new InvalidDataException("bad header")));

        Assert.True(ran);
        Assert.IsType<InvalidDataException>(error.InnerException);
        group.ThrowIfAnyRankFailed(null);
    }

    [Fact]
    public void AVeryLongFailureMessageIsCutBeforeItIsSent()
    {
        using var group = new SingleProcessGroup();
        string huge = new('é', 200_000);

        DistributedLoadException agreed = group.AgreeOnError(new InvalidOperationException(huge))!;

        Assert.True(System.Text.Encoding.UTF8.GetByteCount(agreed.RankMessage) <= ErrorAgreement.MaxMessageBytes + 16);
        Assert.EndsWith("é [...]", agreed.RankMessage);
    }

    [Fact]
    public void BadArgumentsAreRejectedTheSameWayAnMpiGroupRejectsThem()
    {
        using var group = new SingleProcessGroup();
        using var meta = torch.empty([4], device: torch.META);
        using var matrix = torch.zeros(3, 4);
        using var transposed = matrix.t();

        Assert.Throws<ArgumentOutOfRangeException>(() => group.Broadcast(matrix, root: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => group.BroadcastMessage([], root: -1));
        Assert.Throws<ArgumentNullException>(() => group.Broadcast((torch.Tensor)null!));
        Assert.Contains("CPU", Assert.Throws<ArgumentException>(() => group.Broadcast(meta)).Message);
        Assert.Contains("contiguous", Assert.Throws<ArgumentException>(() => group.Broadcast(transposed)).Message);
        Assert.Throws<ArgumentNullException>(() => group.BroadcastNative(0, 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => group.BroadcastNative(1, -1));
    }

    [Fact]
    public void ADisposedGroupRefusesWork()
    {
        var group = new SingleProcessGroup();
        group.Dispose();

        Assert.Throws<ObjectDisposedException>(() => group.Barrier());
        Assert.Throws<ObjectDisposedException>(() => group.AgreeOnError(null));
        Assert.Throws<ObjectDisposedException>(() => group.BroadcastMessage([1]));
    }

    [Fact]
    public void TheEnvironmentsGroupIsOneProcessWideGroupUntilItIsDisposed()
    {
        // No other test of this process asks for the process-wide group, so disposing it here disturbs nobody.
        IProcessGroup first = ProcessGroups.FromEnvironment();

        Assert.IsType<SingleProcessGroup>(first);
        Assert.Same(first, ProcessGroups.FromEnvironment());
        first.Dispose();
        IProcessGroup next = ProcessGroups.FromEnvironment();
        Assert.NotSame(first, next);
        Assert.Same(next, ProcessGroups.FromEnvironment());
        next.Barrier();
    }

    [Fact]
    public void UsingTheDefaultGroupInThisProcessLoadsNoMpiLibrary()
    {
        // This test process never asks for MPI; every library-name test here uses names that do not exist.
        using (IProcessGroup group = ProcessGroups.FromVariables(_ => null, "libmpi.so.40"))
        {
            group.Barrier();
            Assert.Null(group.AgreeOnError(null));
        }

        Assert.DoesNotContain(File.ReadLines("/proc/self/maps"), line => line.Contains("libmpi", StringComparison.Ordinal));
    }
}
