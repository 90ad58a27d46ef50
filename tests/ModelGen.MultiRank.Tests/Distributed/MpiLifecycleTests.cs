using ModelGen.MultiRank.Tests.Launching;

namespace ModelGen.MultiRank.Tests.Distributed;

/// <summary>MPI is initialized and finalized once per process, by whoever initialized it.</summary>
public class MpiLifecycleTests
{
    [Fact]
    public async Task AGroupThatInitializedMpiFinalizesItOnceAndCannotBeReopened()
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["lifecycle", "mode=owned"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.All(run.Named("opened"), e => Assert.Equal("True", e["owns"]));
        Assert.All(run.Named("second-open"), e => Assert.Equal("InvalidOperationException", e["error"]));
        Assert.All(run.Named("disposed"), e => Assert.Equal(("True", "ObjectDisposedException"), (e["finalized"], e["barrierError"])));
        Assert.All(run.Named("open-after-finalize"), e => Assert.Equal("InvalidOperationException", e["error"]));
        Assert.Equal(3, run.Named("open-after-finalize").Count);
    }

    [Fact]
    public async Task AGroupOverMpiInitializedByItsOwnerLeavesFinalizingToTheOwner()
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["lifecycle", "mode=adopted"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.All(run.Named("opened"), e => Assert.Equal("False", e["owns"]));
        Assert.All(run.Named("disposed"), e => Assert.Equal("False", e["finalized"]));
        Assert.All(run.Named("reopened"), e => Assert.Equal("False", e["owns"]));
        Assert.Equal(3, run.Named("reopened").Count);
        Assert.All(run.Named("open-after-finalize"), e => Assert.Equal("InvalidOperationException", e["error"]));
    }

    [Fact]
    public async Task AbortAfterFinalizeEndsTheProcessWithoutCallingMpi()
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["lifecycle", "mode=owned", "abort=yes"]);

        Assert.False(run.TimedOut, run.ToString());
        Assert.Equal(4, run.ExitCode);
        // The first rank to exit with 4 makes mpirun end the others, which may not have printed yet.
        Assert.InRange(run.Named("open-after-finalize").Count, 1, 3);
    }
}
