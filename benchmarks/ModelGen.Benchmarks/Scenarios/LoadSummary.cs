using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelGen.Benchmarks.Measurement;
using System.Text.Json.Serialization;

namespace ModelGen.Benchmarks.Scenarios;

/// <summary>
/// Merges the per-rank lines of every run (one file per run) into one object per run, then one object per
/// (scenario, ranks) with medians over repetitions, and checks the distributed-loading targets.
/// </summary>
internal static class LoadSummary
{
    /// <summary>One scenario at one rank count: medians over runs, RSS per rank.</summary>
    internal sealed record ScenarioResult(
        [property: JsonPropertyName("scenario")] string Scenario,
        [property: JsonPropertyName("ranks")] int Ranks,
        [property: JsonPropertyName("runs")] int Runs,
        [property: JsonPropertyName("param_bytes")] long ParamBytes,
        [property: JsonPropertyName("rss_before_load_bytes")] long[] RssBeforeLoadBytes,
        [property: JsonPropertyName("peak_rss_bytes")] long[] PeakRssBytes,
        [property: JsonPropertyName("wall_seconds")] double WallSeconds,
        [property: JsonPropertyName("wall_seconds_runs")] double[] WallSecondsRuns,
        [property: JsonPropertyName("init_calls_on_loaded")] long InitCallsOnLoaded);

    public static IReadOnlyList<ScenarioResult> Summarize(string runsFolder)
    {
        var runs = Directory.GetFiles(runsFolder, "*.jsonl").Order(StringComparer.Ordinal)
            .Select(file => File.ReadLines(file).SelectMany(JsonObjects).Select(l => JsonSerializer.Deserialize<LoadResult>(l)!).OrderBy(r => r.Rank).ToArray())
            .Where(lines => lines.Length > 0)
            .ToArray();
        return runs.GroupBy(r => (r[0].Scenario, r[0].Ranks))
            .OrderBy(g => g.Key.Ranks).ThenBy(g => g.Key.Scenario, StringComparer.Ordinal)
            .Select(g => Merge(g.Key.Scenario, g.Key.Ranks, g.ToArray()))
            .ToArray();
    }

    /// <summary>
    /// The JSON objects in one line of a job's merged output. mpirun can put a terminal control sequence before a
    /// line, or two ranks' lines on one line; each rank's object is flat, so braces delimit it.
    /// </summary>
    private static IEnumerable<string> JsonObjects(string line)
    {
        for (int start = line.IndexOf('{', StringComparison.Ordinal); start >= 0; start = line.IndexOf('{', start + 1))
        {
            int end = line.IndexOf('}', start);
            if (end < 0) yield break;
            yield return line[start..(end + 1)];
            start = end;
        }
    }

    private static ScenarioResult Merge(string scenario, int ranks, LoadResult[][] runs)
    {
        foreach (LoadResult[] run in runs)
        {
            if (run.Length != ranks)
                throw new InvalidDataException($"a {scenario} run with {ranks} ranks printed {run.Length} rank lines");
        }
        double[] walls = runs.Select(run => run.Max(r => r.WallSeconds)).ToArray();
        return new ScenarioResult(
            scenario, ranks, runs.Length,
            runs[0].Max(r => r.ParamBytes),
            Enumerable.Range(0, ranks).Select(rank => (long)Statistics.Median(runs.Select(run => (double)run[rank].RssBeforeLoadBytes))).ToArray(),
            Enumerable.Range(0, ranks).Select(rank => (long)Statistics.Median(runs.Select(run => (double)run[rank].PeakRssBytes))).ToArray(),
            Statistics.Median(walls), walls,
            runs.Max(run => run.Sum(r => r.InitCallsOnLoaded)));
    }

    public static string Markdown(IReadOnlyList<ScenarioResult> results)
    {
        const double MiB = 1 << 20;
        var text = new StringBuilder();
        text.AppendLine("| ranks | scenario | runs | median wall s | peak RSS per rank MiB | peak - before per rank MiB | param MiB | init calls on loaded |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (ScenarioResult r in results)
        {
            string peaks = string.Join(" / ", r.PeakRssBytes.Select(p => (p / MiB).ToString("F0", CultureInfo.InvariantCulture)));
            string growth = string.Join(" / ", r.PeakRssBytes.Zip(r.RssBeforeLoadBytes, (p, b) => ((p - b) / MiB).ToString("F0", CultureInfo.InvariantCulture)));
            text.AppendLine(Invariant($"| {r.Ranks} | {r.Scenario} | {r.Runs} | {r.WallSeconds:F2} | {peaks} | {growth} | {r.ParamBytes / MiB:F0} | {r.InitCallsOnLoaded} |"));
        }
        text.AppendLine();
        text.AppendLine("| ranks | check | target | measured | met |");
        text.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var byRanks in results.GroupBy(r => r.Ranks))
        {
            var s = byRanks.ToDictionary(r => r.Scenario, StringComparer.Ordinal);
            if (!s.TryGetValue("modelgen", out ScenarioResult? m)) continue;
            long worstGrowth = m.PeakRssBytes.Zip(m.RssBeforeLoadBytes, (p, b) => p - b).Max();
            Row(text, byRanks.Key, "modelgen peak - before, worst rank", "<= param + 128 MiB", Invariant($"{worstGrowth / MiB:F0} MiB (param {m.ParamBytes / MiB:F0} MiB)"), worstGrowth <= m.ParamBytes + (128L << 20));
            Row(text, byRanks.Key, "modelgen init calls on loaded tensors", "0", m.InitCallsOnLoaded.ToString(CultureInfo.InvariantCulture), m.InitCallsOnLoaded == 0);
            if (s.TryGetValue("floor", out ScenarioResult? f))
                Row(text, byRanks.Key, "modelgen wall / floor wall", "<= 1.25", Invariant($"{m.WallSeconds / f.WallSeconds:F2}"), m.WallSeconds <= 1.25 * f.WallSeconds);
            if (s.TryGetValue("floor-mapped", out ScenarioResult? fm))
                Row(text, byRanks.Key, "modelgen wall / floor-mapped wall", "<= 1.25", Invariant($"{m.WallSeconds / fm.WallSeconds:F2}"), m.WallSeconds <= 1.25 * fm.WallSeconds);
            if (s.TryGetValue("naive", out ScenarioResult? n))
            {
                Row(text, byRanks.Key, "naive wall / modelgen wall", ">= 5", Invariant($"{n.WallSeconds / m.WallSeconds:F2}"), n.WallSeconds >= 5 * m.WallSeconds);
                double rssRatio = (double)m.PeakRssBytes.Sum() / n.PeakRssBytes.Sum();
                Row(text, byRanks.Key, "modelgen summed peak RSS / naive", "<= 0.5", Invariant($"{rssRatio:F2}"), rssRatio <= 0.5);
            }
            if (s.TryGetValue("pytorch", out ScenarioResult? p))
            {
                Row(text, byRanks.Key, "modelgen wall / pytorch wall", "<= 0.5", Invariant($"{m.WallSeconds / p.WallSeconds:F2}"), m.WallSeconds <= 0.5 * p.WallSeconds);
                bool lower = m.PeakRssBytes.Zip(p.PeakRssBytes, (a, b) => a <= b).All(x => x);
                Row(text, byRanks.Key, "modelgen peak RSS <= pytorch, every rank", "yes", lower ? "yes" : "no", lower);
            }
        }
        return text.ToString();
    }

    private static void Row(StringBuilder text, int ranks, string check, string target, string measured, bool met) =>
        text.AppendLine(Invariant($"| {ranks} | {check} | {target} | {measured} | {(met ? "yes" : "NO")} |"));


    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
