using ModelGen.MultiRank.Tests.Launching;
using ModelGen.MultiRank.Worker.Scenarios;

namespace ModelGen.MultiRank.Tests.Loading;

/// <summary>What every failing multi-rank load must show: the same error on every rank, quickly, nothing loaded.</summary>
internal static class LoadFailureAssertions
{
    public static readonly TimeSpan Quickly = TimeSpan.FromSeconds(30);

    /// <summary>Every rank reported a load failure of <paramref name="type"/> with one message that mentions <paramref name="mentioned"/>.</summary>
    public static void AssertSameFailureOnEveryRank(WorkerRun run, string type, string mentioned, int ranks = WorkerLauncher.Ranks) =>
        AssertSameFailureOnEveryRank(run, type, mentioned, ranks, "load-failed", "loaded", LoadScenario.LoadFailedExitCode);

    /// <summary>
    /// Every rank reported <paramref name="failedEvent"/> of <paramref name="type"/> with one message that mentions
    /// <paramref name="mentioned"/>, quickly, none reported <paramref name="doneEvent"/>, and the job exited with <paramref name="exitCode"/>.
    /// </summary>
    public static void AssertSameFailureOnEveryRank(WorkerRun run, string type, string mentioned, int ranks, string failedEvent, string doneEvent, int exitCode)
    {
        Assert.False(run.TimedOut, run.ToString());
        Assert.True(run.Elapsed < Quickly, run.ToString());
        Assert.Equal(exitCode, run.ExitCode);
        var failed = run.Named(failedEvent);
        Assert.True(failed.Select(e => e.Rank).Order().SequenceEqual(Enumerable.Range(0, ranks)), run.ToString());
        Assert.All(failed, e => Assert.Equal(type, e["type"]));
        string message = Assert.Single(failed.Select(e => e["message"]).Distinct());
        Assert.Contains(mentioned, message);
        Assert.Empty(run.Named(doneEvent));
    }
}
