using System.Globalization;
using System.Text.Json;
using ModelGen.Benchmarks.Measurement;

namespace ModelGen.Benchmarks.Scenarios;

/// <summary>
/// Merges the training benchmark's runs (one file per run, <c>{scenario}-{rep}.jsonl</c>, one line per rank) into one
/// result per scenario: the step time of each run (per step the slowest rank, the warm-up steps left out, the median
/// of the rest) and their median, the peak RSS of each rank (median over runs), and the bytes handed to collectives in
/// a step.
/// </summary>
internal static class TrainSummary
{
    /// <summary>Steps left out of every run's step time: the first touches every page of gradients and optimizer state.</summary>
    public const int WarmUpSteps = 1;

    /// <summary>One scenario over its runs; per-rank figures are medians over the runs.</summary>
    internal sealed record ScenarioResult(
        string Scenario, int Ranks, long ModelBytes, int[] Reps, double StepSeconds, double[] StepSecondsRuns,
        long[] PeakRssBytes, long[][] PeakRssRuns, long[] RssBeforeBytes, double[] Losses,
        long AllReduceBytes, long AllGatherBytes, long ReduceScatterBytes, double LeastSentBytes);

    public static IReadOnlyList<ScenarioResult> Summarize(string runsFolder)
    {
        var runs = Directory.GetFiles(runsFolder, "*.jsonl").Order(StringComparer.Ordinal)
            .Select(file => (Rep: RepOf(file), Lines: Read(file)))
            .Where(run => run.Lines.Length > 0)
            .ToArray();
        return runs.GroupBy(r => r.Lines[0].Scenario, StringComparer.Ordinal)
            .Select(g => Merge(g.Key, g.OrderBy(r => r.Rep).ToArray()))
            .OrderBy(r => r.Scenario, StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>A run's step time: per step the slowest rank (the ranks wait for each other in every collective), the warm-up left out, the median of the rest.</summary>
    public static double RunStepSeconds(IReadOnlyList<TrainResult> ranks)
    {
        int steps = ranks.Min(r => r.StepSeconds.Length);
        if (steps <= WarmUpSteps)
            throw new InvalidDataException($"a {ranks[0].Scenario} run has {steps} step(s): at least {WarmUpSteps + 1} are needed (the first is a warm-up)");
        return Statistics.Median(Enumerable.Range(WarmUpSteps, steps - WarmUpSteps).Select(step => ranks.Max(r => r.StepSeconds[step])));
    }

    /// <summary>The repetition number a run's file ends with (<c>modelgen-sharded-2.jsonl</c>: 2).</summary>
    private static int RepOf(string file)
    {
        string name = Path.GetFileNameWithoutExtension(file);
        return int.TryParse(name[(name.LastIndexOf('-') + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int rep)
            ? rep
            : throw new InvalidDataException($"{file}: a run's file is named <scenario>-<repetition>.jsonl");
    }

    private static TrainResult[] Read(string file)
    {
        try
        {
            return File.ReadLines(file)
                .Select(line => line.IndexOf('{', StringComparison.Ordinal) is var start and >= 0 ? line[start..] : "")
                .Where(line => line.Length > 0)
                .Select(line => JsonSerializer.Deserialize<TrainResult>(line)!)
                .OrderBy(r => r.Rank)
                .ToArray();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: not a training result line: {e.Message}", e);
        }
    }

    private static ScenarioResult Merge(string scenario, (int Rep, TrainResult[] Lines)[] runs)
    {
        int ranks = runs[0].Lines[0].Ranks;
        foreach (var (rep, lines) in runs)
        {
            if (!lines.Select(r => r.Rank).SequenceEqual(Enumerable.Range(0, ranks)))
                throw new InvalidDataException($"{scenario} run {rep} printed lines for ranks {string.Join(",", lines.Select(r => r.Rank))}, not 0..{ranks - 1}");
            if (lines.Any(r => r.PeakRssBytes is null))
                throw new InvalidDataException($"{scenario} run {rep}: a rank could not measure its peak RSS while training");
        }
        double[] stepRuns = runs.Select(r => RunStepSeconds(r.Lines)).ToArray();
        long[][] peakRuns = runs.Select(r => r.Lines.Select(l => l.PeakRssBytes!.Value).ToArray()).ToArray();
        long[] PerRank(Func<TrainResult, long> field) =>
            Enumerable.Range(0, ranks).Select(rank => (long)Statistics.Median(runs.Select(r => (double)field(r.Lines[rank])))).ToArray();
        TrainResult first = runs[0].Lines[0];
        return new ScenarioResult(
            scenario, ranks, first.ModelBytes, runs.Select(r => r.Rep).ToArray(), Statistics.Median(stepRuns), stepRuns,
            PerRank(r => r.PeakRssBytes!.Value), peakRuns, PerRank(r => r.RssBeforeBytes), first.Losses,
            first.AllReduceBytes, first.AllGatherBytes, first.ReduceScatterBytes, first.LeastSentBytes);
    }
}
