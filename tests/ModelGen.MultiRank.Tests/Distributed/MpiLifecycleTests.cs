using ModelGen.MultiRank.Tests.Launching;
using ModelGen.MultiRank.Tests.Loading;

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
    public async Task TheProcessWideGroupOutlivesLoadsAndIsFinalizedAtExit()
    {
        using var checkpoint = new RankTestCheckpoint();

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["shared-group", $"checkpoint={checkpoint.Folder}"]);

        // Exit code 0 on every rank: a rank that exits without finalizing MPI makes mpirun fail the job.
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.All(run.Named("loads"), e => Assert.Equal(
            (checkpoint.Digests.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), e["first"], "3", "mpi"),
            (e["second"], e["first"], e["ranks"], e["backend"])));
        IReadOnlyList<WorkerEvent> after = run.Named("after-loads");
        Assert.Equal([0, 1, 2], after.Select(e => e.Rank));
        Assert.All(after, e => Assert.Equal(("True", "6", "False"), (e["sameGroup"], e["sum"], e["finalized"])));
        Assert.DoesNotContain("exited improperly", run.StandardError + run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisposingTheProcessWideGroupFinalizesMpiAndItCannotBeAskedForAgain()
    {
        using var checkpoint = new RankTestCheckpoint();

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["shared-group", $"checkpoint={checkpoint.Folder}", "dispose=yes"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        IReadOnlyList<WorkerEvent> after = run.Named("after-dispose");
        Assert.Equal([0, 1, 2], after.Select(e => e.Rank));
        Assert.All(after, e =>
        {
            Assert.Equal("True", e["finalized"]);
            Assert.StartsWith("MPI_was_already_finalized_in_this_process_(disposing_the_process_group_finalizes_it)", e["again"]);
        });
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
