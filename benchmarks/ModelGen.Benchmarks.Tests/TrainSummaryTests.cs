using System.Globalization;
using ModelGen.Benchmarks.Scenarios;

namespace ModelGen.Benchmarks.Tests;

/// <summary>The training benchmark's parsing, step medians, per-rank peaks, target ratios and byte arithmetic.</summary>
public sealed class TrainSummaryTests : IDisposable
{
    private const long MiB = 1 << 20;
    private const long P = 512 * MiB;
    private readonly string _runs = Path.Combine(Path.GetTempPath(), "modelgen-train-tests-" + Guid.NewGuid().ToString("N"));

    public TrainSummaryTests() => Directory.CreateDirectory(_runs);

    public void Dispose() => Directory.Delete(_runs, recursive: true);

    private static string Line(string scenario, int rank, double[] steps, long peak, long allReduce = 0, long allGather = 0, long reduceScatter = 0, double[]? losses = null) =>
        string.Create(CultureInfo.InvariantCulture,
            $$"""{"scenario":"{{scenario}}","rank":{{rank}},"ranks":3,"model_bytes":{{P}},"train_losses":[{{string.Join(",", (losses ?? [10.5, 9.25]).Select(l => l.ToString("R", CultureInfo.InvariantCulture)))}}],"train_step_seconds":[{{string.Join(",", steps.Select(s => s.ToString("R", CultureInfo.InvariantCulture)))}}],"train_rss_before_bytes":{{peak / 2}},"train_peak_rss_bytes":{{peak}},"train_step_allreduce_bytes":{{allReduce}},"train_step_allgather_bytes":{{allGather}},"train_step_reducescatter_bytes":{{reduceScatter}},"train_step_least_sent_bytes":1.5}""");

    /// <summary>One run of a scenario: every rank with the same steps but rank 2 slower at each, peaks per rank.</summary>
    private void Run(string scenario, int rep, double[] steps, long[] peaks, long allReduce = 0, long allGather = 0, long reduceScatter = 0, double[]? losses = null)
    {
        // mpirun's merged output: ranks in any order, a control sequence before a line.
        string[] lines = [.. Enumerable.Range(0, 3).Reverse().Select(rank => (rank == 1 ? "\u001b[0m" : "") +
            Line(scenario, rank, rank == 2 ? steps.Select(s => s + 0.5).ToArray() : steps, peaks[rank], allReduce, allGather, reduceScatter, losses))];
        File.WriteAllLines(Path.Combine(_runs, $"{scenario}-{rep}.jsonl"), lines);
    }

    [Fact]
    public void AStepTimeIsTheMedianOfTheSlowestRankPerStepWithoutTheWarmUp()
    {
        Run("modelgen-replicated", 1, [30, 2, 4, 3], [3000 * MiB, 2900 * MiB, 2950 * MiB]);

        var result = Assert.Single(TrainSummary.Summarize(_runs));

        // Rank 2 is 0.5 s slower at each step; the 30 s warm-up is left out: median of 2.5, 4.5, 3.5.
        Assert.Equal(3.5, result.StepSeconds);
        Assert.Equal([3000 * MiB, 2900 * MiB, 2950 * MiB], result.PeakRssBytes);
        Assert.Equal([1500 * MiB, 1450 * MiB, 1475 * MiB], result.RssBeforeBytes);
        Assert.Equal(P, result.ModelBytes);
    }

    [Fact]
    public void MediansOverRunsAndEveryTargetCheckedAgainstTheRunsOfTheSameRepetition()
    {
        for (int rep = 1; rep <= 3; rep++)
        {
            Run("pytorch-ddp", rep, [9, 4.0 + rep, 4.0 + rep], [3200 * MiB, 3200 * MiB, 3200 * MiB], allReduce: P);
            Run("modelgen-replicated", rep, [9, 4.2 + rep, 4.2 + rep], [3000 * MiB, 3000 * MiB, 3000 * MiB + rep * MiB], allReduce: P + 4000);
            Run("modelgen-sharded", rep, [9, 6.0 + rep, 6.0 + rep], [1300 * MiB, 1200 * MiB, 1400 * MiB], allGather: 2 * P + 6000, reduceScatter: P + 3000);
        }

        var results = TrainSummary.Summarize(_runs).ToDictionary(r => r.Scenario, StringComparer.Ordinal);
        Assert.Equal([1, 2, 3], results["modelgen-sharded"].Reps);
        // Per run the slowest rank (rank 2, 0.5 s behind) without the warm-up: 5.7, 6.7, 7.7.
        Assert.Equal([5.7, 6.7, 7.7], results["modelgen-replicated"].StepSecondsRuns.Select(s => Math.Round(s, 9)));
        Assert.Equal(6.7, results["modelgen-replicated"].StepSeconds, 9);
        Assert.Equal(3002 * MiB, results["modelgen-replicated"].PeakRssBytes[2]);
        var checks = TrainTargets.Check(results).ToDictionary(c => c.Check, StringComparer.Ordinal);

        // 6.7 / 6.5 within 1.1x; 8.5 / 6.7 within 1.5x.
        Assert.True(checks["modelgen-replicated step / pytorch-ddp step"].Met);
        Assert.StartsWith("1.03 (runs 1.04 1.03 1.03, every run)", checks["modelgen-replicated step / pytorch-ddp step"].Measured);
        Assert.True(checks["modelgen-sharded step / modelgen-replicated step"].Met);
        // 1300/3000 and 1200/3000 meet 0.45; 1400/3002 does not.
        Assert.True(checks["modelgen-sharded peak RSS / modelgen-replicated, rank 0"].Met);
        Assert.True(checks["modelgen-sharded peak RSS / modelgen-replicated, rank 1"].Met);
        Assert.False(checks["modelgen-sharded peak RSS / modelgen-replicated, rank 2"].Met);
        Assert.Equal("0.47 (runs 0.47 0.47 0.47)", checks["modelgen-sharded peak RSS / modelgen-replicated, rank 2"].Measured);
        Assert.True(checks["modelgen-sharded losses vs modelgen-replicated, largest relative difference"].Met);
        Assert.True(checks["modelgen-replicated bytes handed to all-reduce per step / P"].Met);
        Assert.True(checks["modelgen-sharded bytes handed to all-gather per step / 2P"].Met);
        Assert.True(checks["modelgen-sharded bytes handed to reduce-scatter per step / P"].Met);
        // What a ring must send at least: 2(N-1)/N P replicated, 3(N-1)/N P sharded.
        Assert.Equal(2.0 * P * 2 / 3, TrainTargets.PredictedLeastSentBytes(results["modelgen-replicated"]));
        Assert.Equal(3.0 * P * 2 / 3, TrainTargets.PredictedLeastSentBytes(results["modelgen-sharded"]));

        string markdown = TrainReport.Markdown(results.Values.ToList());
        Assert.Contains("| modelgen-sharded | 8.50 | 7.50 8.50 9.50 | 1300 / 1200 / 1400 |", markdown);
        Assert.Contains("| modelgen-sharded peak RSS / modelgen-replicated, rank 2 | <= 0.45 | 0.47 (runs 0.47 0.47 0.47) | **no** |", markdown);
    }

    [Fact]
    public void SlowStepsLossesThatDifferAndBytesOffThePredictionFailTheirChecks()
    {
        Run("pytorch-ddp", 1, [9, 4, 4], [3200 * MiB, 3200 * MiB, 3200 * MiB], allReduce: P);
        Run("modelgen-replicated", 1, [9, 5, 5], [3000 * MiB, 3000 * MiB, 3000 * MiB], allReduce: P / 2);
        Run("modelgen-sharded", 1, [9, 9, 9], [1000 * MiB, 1000 * MiB, 1000 * MiB], allGather: P, reduceScatter: P, losses: [10.5, 9.26]);

        var checks = TrainTargets.Check(TrainSummary.Summarize(_runs).ToDictionary(r => r.Scenario, StringComparer.Ordinal))
            .ToDictionary(c => c.Check, StringComparer.Ordinal);

        Assert.False(checks["modelgen-replicated step / pytorch-ddp step"].Met);   // 5.5 / 4.5
        Assert.Contains("no run", checks["modelgen-replicated step / pytorch-ddp step"].Measured);
        Assert.False(checks["modelgen-sharded step / modelgen-replicated step"].Met); // 9.5 / 5.5
        Assert.False(checks["modelgen-sharded losses vs modelgen-replicated, largest relative difference"].Met);
        Assert.True(checks["pytorch-ddp losses vs modelgen-replicated, largest relative difference"].Met);
        Assert.False(checks["modelgen-replicated bytes handed to all-reduce per step / P"].Met);
        Assert.False(checks["modelgen-sharded bytes handed to all-gather per step / 2P"].Met);
        Assert.True(checks["modelgen-sharded bytes handed to reduce-scatter per step / P"].Met);
    }

    [Fact]
    public void ARunWithAMissingRankOrOnlyAWarmUpStepIsRefusedNamingIt()
    {
        File.WriteAllLines(Path.Combine(_runs, "modelgen-sharded-2.jsonl"), [Line("modelgen-sharded", 0, [3, 2], P), Line("modelgen-sharded", 2, [3, 2], P)]);
        var missing = Assert.Throws<InvalidDataException>(() => TrainSummary.Summarize(_runs));
        Assert.Contains("modelgen-sharded run 2", missing.Message);
        Assert.Contains("0,2", missing.Message);

        File.WriteAllLines(Path.Combine(_runs, "modelgen-sharded-2.jsonl"), Enumerable.Range(0, 3).Select(r => Line("modelgen-sharded", r, [3], P)));
        var warmUpOnly = Assert.Throws<InvalidDataException>(() => TrainSummary.Summarize(_runs));
        Assert.Contains("1 step(s)", warmUpOnly.Message);

        File.WriteAllLines(Path.Combine(_runs, "modelgen-sharded.jsonl"), [Line("modelgen-sharded", 0, [3, 2], P)]);
        var unnamed = Assert.Throws<InvalidDataException>(() => TrainSummary.Summarize(_runs));
        Assert.Contains("<scenario>-<repetition>.jsonl", unnamed.Message);
    }
}
