using ModelGen.MultiRank.Tests.Launching;

namespace ModelGen.MultiRank.Tests.Distributed;

/// <summary>Failures in a 3-rank job end every rank quickly, and the same way: no rank hangs.</summary>
public class MpiFailureTests
{
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task WhenNoRankFailsTheAgreementSaysSo()
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["agree"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.All(run.Named("agree-none"), e => Assert.Equal("False", e["failed"]));
        Assert.Equal(3, run.Named("agree-ok").Count);
    }

    [Fact]
    public async Task EveryRankReportsTheLowestFailingRanksMessageAndExitsNonZero()
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["agree", "fail=1,2"]);

        Assert.False(run.TimedOut, run.ToString());
        Assert.True(run.Elapsed < Quickly, run.ToString());
        Assert.Equal(3, run.ExitCode);
        IReadOnlyList<WorkerEvent> failed = run.Named("agree-failed");
        Assert.Equal([0, 1, 2], failed.Select(e => e.Rank));
        Assert.All(failed, e =>
        {
            Assert.Equal("1", e["failingRank"]);
            Assert.Equal("3", e["worldSize"]);
            // Only the failing rank holds the original exception.
            Assert.Equal(e.Rank == 1 ? "True" : "False", e["hasInner"]);
        });
        Assert.Equal(
            "Rank 1 of 3 failed: System.IO.InvalidDataException: checkpoint key 'layers.1.weight' is missing on rank 1",
            Assert.Single(failed.Select(e => e["message"]).Distinct()));
        Assert.Empty(run.Named("agree-ok"));
    }

    [Theory]
    [InlineData("exit", 1)]
    [InlineData("kill", 0)]
    public async Task ARankThatDiesMidJobEndsTheWholeJobWithinSeconds(string how, int victim)
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["die", $"how={how}", $"victim={victim}"]);

        Assert.False(run.TimedOut, run.ToString());
        Assert.True(run.Elapsed < Quickly, run.ToString());
        Assert.NotEqual(0, run.ExitCode);
        Assert.Empty(run.Named("unexpectedly-received"));
    }

    [Fact]
    public async Task AnExceptionNobodyCatchesAbortsTheJobInsteadOfFinalizingIntoAHang()
    {
        // Without the group's handler, the unwinding runs the worker's using-Dispose, whose MPI_Finalize waits for
        // ranks that are themselves waiting for the thrower's broadcast: the job never ends.
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["throw", "thrower=1"]);

        Assert.False(run.TimedOut, run.ToString());
        Assert.True(run.Elapsed < Quickly, run.ToString());
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Rank 1 of 3: unhandled exception", run.StandardError);
        Assert.Contains("rank 1 failed without telling the others", run.StandardError);
        Assert.Empty(run.Named("unexpectedly-received"));
    }

    [Fact]
    public async Task AbortEndsEveryRankWithTheGivenCode()
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["abort", "caller=1", "code=5"]);

        Assert.False(run.TimedOut, run.ToString());
        Assert.True(run.Elapsed < Quickly, run.ToString());
        Assert.Equal(5, run.ExitCode);
        Assert.Empty(run.Named("unexpectedly-passed"));
    }

    [Fact]
    public async Task AbortOfALoneProcessExitsWithTheGivenCode()
    {
        WorkerRun run = await WorkerLauncher.RunAloneAsync(["abort", "caller=0", "code=6"]);

        Assert.False(run.TimedOut, run.ToString());
        Assert.Equal(6, run.ExitCode);
        Assert.Empty(run.Named("unexpectedly-passed"));
    }
}
