using System.Diagnostics;
using System.Globalization;
using ModelGen.MultiRank.Tests.Launching;
using ModelGen.MultiRank.Tests.Loading;

namespace ModelGen.MultiRank.Tests.Distributed;

/// <summary>
/// A rank that stops responding (SIGSTOP) does not leave the others waiting: with a 3 s timeout, every live rank
/// throws a timeout naming it within seconds, the group then refuses further collectives at once and disposes
/// without finalizing MPI. The stopped rank cannot end, so the test kills the job and every process it reported.
/// </summary>
public class MpiTimeoutTests
{
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("agree", "AllReduceMax")]
    [InlineData("barrier", "Barrier")]
    [InlineData("all-gather", "AllGather")]
    // The size agreement inside a scatter or gather is part of it: the timeout names the scatter, not the reduction.
    [InlineData("scatter", "ScatterNative")]
    [InlineData("gather", "GatherNative")]
    public async Task EveryLiveRankNamesTheStoppedRankWithinSeconds(string at, string operation)
    {
        WorkerRun run = await RunWithStoppedRankAsync(["stop", $"at={at}", "timeout=3"]);

        AssertLiveRanksNamedRankTwo(run, operation);
    }

    [Fact]
    public async Task ALoadWithATimeoutEndsOnEveryLiveRankNamingTheStoppedRank()
    {
        using var checkpoint = new RankTestCheckpoint();

        WorkerRun run = await RunWithStoppedRankAsync(["stop", "at=load", "timeout=3", $"checkpoint={checkpoint.Folder}"]);

        AssertLiveRanksNamedRankTwo(run, operation: null);
        // The load applied its timeout for its own duration only: the group's is back to what it was.
        Assert.All(run.Named("timed-out"), e => Assert.Equal("True", e["timeoutRestored"]));
    }

    [Fact]
    public async Task ARankBusyPastTheTimeoutIsNamedAndFailsAtOnceInItsNextCollective()
    {
        WorkerRun run = await WorkerLauncher.MpiRunUntilAsync(["stop", "at=agree", "timeout=3", "late=8"],
            events => events.Count(e => e.Name == "disposed") == 3, timeout: TimeSpan.FromSeconds(45));
        AssertEveryReportedProcessEnds(run);

        Assert.True(run.EndedByTest, run.ToString());
        IReadOnlyList<WorkerEvent> timedOut = run.Named("timed-out");
        Assert.Equal([0, 1, 2], timedOut.Select(e => e.Rank));
        Assert.All(timedOut.Take(2), e => Assert.Equal("2", e["missing"]));
        // Rank 2 arrives after the others gave up: it is told at once, and it heard from both of them.
        WorkerEvent late = timedOut[2];
        Assert.Equal("", late["missing"]);
        Assert.NotEqual("2", late["abandonedBy"]);
        Assert.InRange(long.Parse(late["elapsedMs"], CultureInfo.InvariantCulture), 0, 2500);
        Assert.Contains("was abandoned", late["message"]);
        Assert.Single(timedOut.Select(e => e["number"]).Distinct());
        Assert.All(run.Named("after"), e => Assert.Equal("DistributedTimeoutException", e["error"]));
    }

    [Fact]
    public async Task ATimeoutNobodyCatchesAbortsTheWholeJobStoppedRankIncluded()
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["stop", "at=barrier", "timeout=3", "then=throw"], timeout: TimeSpan.FromSeconds(45));
        try
        {
            Assert.False(run.TimedOut, run.ToString());
            Assert.True(run.Elapsed < Quickly, run.ToString());
            Assert.NotEqual(0, run.ExitCode);
            // The aborting rank prints the timeout before MPI_Abort, but mpirun may tear the job down before it
            // forwards that line (seen on a loaded machine); its own abort banner then shows who ended the job.
            Assert.True(run.StandardError.Contains("did not complete within 3 s; rank 2 did not respond", StringComparison.Ordinal)
                || run.StandardError.Contains("MPI_ABORT was invoked", StringComparison.Ordinal), run.ToString());
            Assert.Empty(run.Named("unexpectedly-completed"));
        }
        finally
        {
            AssertEveryReportedProcessEnds(run);
        }
    }

    private static async Task<WorkerRun> RunWithStoppedRankAsync(string[] arguments)
    {
        WorkerRun run = await WorkerLauncher.MpiRunUntilAsync(arguments,
            events => events.Count(e => e.Name == "disposed") == 2, timeout: TimeSpan.FromSeconds(45));
        AssertEveryReportedProcessEnds(run);
        return run;
    }

    private static void AssertLiveRanksNamedRankTwo(WorkerRun run, string? operation)
    {
        Assert.True(run.EndedByTest, run.ToString());
        Assert.True(run.Elapsed < Quickly, run.ToString());
        Assert.Single(run.Named("stopping"));
        Assert.Empty(run.Named("unexpectedly-continued"));

        IReadOnlyList<WorkerEvent> timedOut = run.Named("timed-out");
        Assert.Equal([0, 1], timedOut.Select(e => e.Rank));
        Assert.All(timedOut, e =>
        {
            Assert.Equal("2", e["missing"]);
            Assert.Contains("rank 2 did not respond", e["message"]);
            // Not before the timeout, and soon after it (3 s, plus a grace period of 1 s for the answers).
            Assert.InRange(long.Parse(e["elapsedMs"], CultureInfo.InvariantCulture), 3000, 15_000);
            if (operation is not null) Assert.Equal(operation, e["operation"]);
        });
        // Both ranks name the same collective: the one rank 2 never reached.
        Assert.Single(timedOut.Select(e => (e["operation"], e["number"])).Distinct());
        Assert.Contains(timedOut, e => e["abandonedBy"] == e.Rank.ToString(CultureInfo.InvariantCulture));

        Assert.All(run.Named("after"), e =>
        {
            Assert.Equal("DistributedTimeoutException", e["error"]);
            Assert.InRange(long.Parse(e["elapsedMs"], CultureInfo.InvariantCulture), 0, 1000);
        });
        Assert.All(run.Named("disposed"), e => Assert.InRange(long.Parse(e["elapsedMs"], CultureInfo.InvariantCulture), 0, 1000));
    }

    /// <summary>Kills every worker process the job reported that is still alive (the stopped rank above all), then checks that none is left.</summary>
    private static void AssertEveryReportedProcessEnds(WorkerRun run)
    {
        var pids = run.Named("pid").Select(e => int.Parse(e["pid"], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(3, pids.Count);
        foreach (int pid in pids)
        {
            using Process? process = TryGet(pid);
            if (process is null) continue;
            process.Kill();
            Assert.True(process.WaitForExit(10_000), $"process {pid} did not end");
        }
        Assert.All(pids, pid => Assert.Null(TryGet(pid)));
    }

    private static Process? TryGet(int pid)
    {
        try
        {
            Process process = Process.GetProcessById(pid);
            if (!process.HasExited && process.ProcessName == "dotnet") return process;
            process.Dispose();
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
