using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelGen.Benchmarks.Measurement;

namespace ModelGen.Benchmarks.Scenarios;

/// <summary>Medians per (dtype, huge pages, scenario) and the ratios the reading benchmark reports, as Markdown.</summary>
internal static class ReadSummary
{
    public static string Markdown(IEnumerable<string> jsonLines)
    {
        var runs = jsonLines.Where(l => l.TrimStart().StartsWith('{'))
            .Select(l => JsonSerializer.Deserialize<ReadResult>(l)!)
            .ToList();
        var text = new StringBuilder();
        text.AppendLine("| dtype | huge pages | scenario | runs | median s | median GiB/s | median peak RSS MiB | median RSS growth MiB |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        var ratios = new StringBuilder();
        ratios.AppendLine();
        ratios.AppendLine("| dtype | huge pages | throughput modelgen/floor (a/b) | time pybridge/modelgen | peak RSS modelgen/pybridge |");
        ratios.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var group in runs.GroupBy(r => (r.DType, r.HugePages)).OrderBy(g => g.Key.DType, StringComparer.Ordinal).ThenByDescending(g => g.Key.HugePages))
        {
            var medians = new Dictionary<string, (double Seconds, double Peak)>();
            foreach (var scenario in group.GroupBy(r => r.Scenario).OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                double seconds = Statistics.Median(scenario.Select(r => r.Seconds));
                double peak = Statistics.Median(scenario.Select(r => (double)r.PeakRssBytes));
                double growth = Statistics.Median(scenario.Select(r => (double)(r.PeakRssBytes - r.RssBeforeBytes)));
                double gibs = scenario.First().Bytes / seconds / (1L << 30);
                medians[scenario.Key] = (seconds, peak);
                text.AppendLine(Invariant($"| {group.Key.DType} | {(group.Key.HugePages ? "on" : "off")} | {scenario.Key} | {scenario.Count()} | {seconds:F3} | {gibs:F2} | {peak / (1 << 20):F0} | {growth / (1 << 20):F0} |"));
            }
            if (medians.TryGetValue("modelgen", out var a) && medians.TryGetValue("floor", out var b))
            {
                string vsPeer = medians.TryGetValue("pybridge", out var c) ? Invariant($"{c.Seconds / a.Seconds:F2}x | {a.Peak / c.Peak:F2}") : "n/a | n/a";
                ratios.AppendLine(Invariant($"| {group.Key.DType} | {(group.Key.HugePages ? "on" : "off")} | {b.Seconds / a.Seconds:F2} | {vsPeer} |"));
            }
        }
        return text.Append(ratios).ToString();
    }


    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
