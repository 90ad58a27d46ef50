using System.Globalization;
using System.Text;
using Result = ModelGen.Benchmarks.Scenarios.TrainSummary.ScenarioResult;

namespace ModelGen.Benchmarks.Scenarios;

/// <summary>The training benchmark's Markdown summary: the scenarios side by side, then the targets checked.</summary>
internal static class TrainReport
{
    private const double MiB = 1 << 20;

    public static string Markdown(IReadOnlyList<Result> results)
    {
        var text = new StringBuilder();
        if (results.Count == 0) return "No training runs.\n";
        Result first = results[0];
        text.AppendLine(F($"Training, {first.Ranks} ranks, model P = {first.ModelBytes / MiB:F0} MiB; step times are medians over steps {TrainSummary.WarmUpSteps + 1}.. of each run (slowest rank per step), then over runs."));
        text.AppendLine();
        text.AppendLine("| scenario | step s (median) | every run | peak RSS per rank while training, MiB | RSS before training, MiB | per step handed to all-reduce / all-gather / reduce-scatter, MiB | least sent per rank, MiB | predicted, MiB |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (Result r in results)
        {
            text.AppendLine(F($"| {r.Scenario} | {r.StepSeconds:F2} | {string.Join(" ", r.StepSecondsRuns.Select(s => s.ToString("F2", CultureInfo.InvariantCulture)))} | ") +
                F($"{string.Join(" / ", r.PeakRssBytes.Select(b => (b / MiB).ToString("F0", CultureInfo.InvariantCulture)))} | ") +
                F($"{string.Join(" / ", r.RssBeforeBytes.Select(b => (b / MiB).ToString("F0", CultureInfo.InvariantCulture)))} | ") +
                F($"{r.AllReduceBytes / MiB:F1} / {r.AllGatherBytes / MiB:F1} / {r.ReduceScatterBytes / MiB:F1} | {r.LeastSentBytes / MiB:F1} | {TrainTargets.PredictedLeastSentBytes(r) / MiB:F1} |"));
        }
        text.AppendLine();
        text.AppendLine("| check | target | measured | met |");
        text.AppendLine("| --- | --- | --- | --- |");
        var byName = results.ToDictionary(r => r.Scenario, StringComparer.Ordinal);
        foreach (TargetCheck check in TrainTargets.Check(byName))
            text.AppendLine($"| {check.Check} | {check.Target} | {check.Measured} | {(check.Met ? "yes" : "**no**")} |");
        return text.ToString();
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
