using System.Globalization;
using System.Text;
using Result = ModelGen.Benchmarks.Scenarios.LoadSummary.ScenarioResult;

namespace ModelGen.Benchmarks.Scenarios;

/// <summary>
/// The Markdown of a distributed-loading run: per checkpoint size, the results table and the targets checked; and,
/// when several sizes ran, how wall time and rank 0's peak grow with the model.
/// </summary>
internal static class LoadReport
{
    private const double MiB = 1 << 20;

    public static string Markdown(IReadOnlyList<Result> results)
    {
        var text = new StringBuilder();
        var sizes = results.GroupBy(r => r.Size).ToArray();
        foreach (var size in sizes)
        {
            if (sizes.Length > 1)
                text.AppendLine(Invariant($"### {size.Key}: model {size.Max(r => r.ModelBytes) / MiB:F0} MiB")).AppendLine();
            AppendResults(text, size.ToArray());
            text.AppendLine();
            AppendTargets(text, size.ToArray());
            text.AppendLine();
        }
        if (sizes.Length > 1) AppendScaling(text, results);
        return text.ToString();
    }

    private static void AppendResults(StringBuilder text, Result[] results)
    {
        text.AppendLine("| ranks | scenario | runs | median wall s | peak RSS per rank MiB | peak - before per rank MiB | param MiB per rank | received MiB per rank | model MiB | init calls on loaded |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (Result r in results)
        {
            text.AppendLine(Invariant(
                $"| {r.Ranks} | {r.Scenario} | {r.Runs} | {r.WallSeconds:F2} | {PerRank(r.PeakRssBytes)} | {PerRank(r.GrowthBytes())} | {PerRank(r.ParamBytesPerRank)} | {PerRank(r.ReceivedBytes)} | {r.ModelBytes / MiB:F0} | {r.InitCallsOnLoaded} |"));
        }
    }

    private static void AppendTargets(StringBuilder text, Result[] results)
    {
        text.AppendLine("| ranks | check | target | measured | met |");
        text.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var byRanks in results.GroupBy(r => r.Ranks))
        {
            var scenarios = byRanks.ToDictionary(r => r.Scenario, StringComparer.Ordinal);
            foreach (TargetCheck check in LoadTargets.Check(byRanks.Key, scenarios))
                text.AppendLine(Invariant($"| {check.Ranks} | {check.Check} | {check.Target} | {check.Measured} | {(check.Met ? "yes" : "NO")} |"));
        }
    }

    /// <summary>Every scenario measured at more than one size: wall and rank 0's peak against the model bytes.</summary>
    private static void AppendScaling(StringBuilder text, IReadOnlyList<Result> results)
    {
        var series = results.GroupBy(r => (r.Ranks, r.Scenario)).Where(g => g.Select(r => r.Size).Distinct().Count() > 1)
            .OrderBy(g => g.Key.Ranks).ThenBy(g => g.Key.Scenario, StringComparer.Ordinal).ToArray();
        if (series.Length == 0) return;
        text.AppendLine("Scaling with the model size P (medians):").AppendLine();
        text.AppendLine("| ranks | scenario | P MiB | median wall s | wall s per GiB | rank 0 peak MiB | rank 0 peak - before MiB | rank 0 peak - before - its param MiB |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var points in series)
        {
            foreach (Result r in points.OrderBy(r => r.ModelBytes))
            {
                long growth = r.GrowthBytes()[0];
                text.AppendLine(Invariant(
                    $"| {r.Ranks} | {r.Scenario} | {r.ModelBytes / MiB:F0} | {r.WallSeconds:F2} | {r.WallSeconds / (r.ModelBytes / (1024 * MiB)):F3} | {r.PeakRssBytes[0] / MiB:F0} | {growth / MiB:F0} | {(growth - r.ParamBytesPerRank[0]) / MiB:F0} |"));
            }
        }
        text.AppendLine();
    }

    /// <summary>One figure per rank in MiB, or a single 0 when no rank has any (received bytes of a scenario that does not count them).</summary>
    private static string PerRank(long[] bytes) =>
        bytes.All(b => b == 0) ? "0" : string.Join(" / ", bytes.Select(b => (b / MiB).ToString("F0", CultureInfo.InvariantCulture)));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
