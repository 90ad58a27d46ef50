using ScottPlot;

namespace ModelGen.Benchmarks.Scenarios;

/// <summary>
/// Draws the distributed-loading results as one PNG: median wall time per scenario and rank count (left), and peak
/// RSS of every rank (right), from the benchmark's own summary. When several checkpoint sizes ran, the chart shows the
/// size most scenarios ran at (the largest of those), the one the targets are stated for.
/// </summary>
internal static class LoadChart
{
    private static readonly string[] Order = ["floor", "floor-mapped", "modelgen", "modelgen-copy", "pytorch", "naive", "floor-sharded", "modelgen-sharded", "pytorch-sharded"];

    public static void Save(IReadOnlyList<LoadSummary.ScenarioResult> allResults, string pngPath)
    {
        var results = allResults.GroupBy(r => r.Size)
            .OrderByDescending(g => g.Count()).ThenByDescending(g => g.Max(r => r.ModelBytes))
            .First().ToArray();
        var scenarios = Order.Where(s => results.Any(r => r.Scenario == s)).ToArray();
        int[] rankCounts = results.Select(r => r.Ranks).Distinct().Order().ToArray();
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        DrawWall(multiplot.GetPlot(0), results, scenarios, rankCounts);
        DrawPeakRss(multiplot.GetPlot(1), results, scenarios, rankCounts);
        // Wide enough that every (scenario, ranks) group keeps its labels apart.
        multiplot.SavePng(pngPath, Math.Max(1800, 200 * results.Length), 620);
    }

    private static void DrawWall(Plot plot, IReadOnlyList<LoadSummary.ScenarioResult> results, string[] scenarios, int[] rankCounts)
    {
        var ticks = new List<Tick>();
        double x = 0;
        foreach (int ranks in rankCounts)
        {
            for (int s = 0; s < scenarios.Length; s++)
            {
                var result = results.FirstOrDefault(r => r.Ranks == ranks && r.Scenario == scenarios[s]);
                if (result is null) continue;
                plot.Add.Bar(new Bar { Position = x, Value = result.WallSeconds, FillColor = Palette(s), Label = result.WallSeconds.ToString("F2", System.Globalization.CultureInfo.InvariantCulture) });
                ticks.Add(new Tick(x, TickLabel(scenarios[s], ranks)));
                x += 1.25;
            }
            x += 0.6;
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Axes.Margins(bottom: 0, top: 0.12);
        plot.Title("Load wall time (median, s)");
        plot.YLabel("seconds");
    }

    private static void DrawPeakRss(Plot plot, IReadOnlyList<LoadSummary.ScenarioResult> results, string[] scenarios, int[] rankCounts)
    {
        var ticks = new List<Tick>();
        double x = 0;
        foreach (int ranks in rankCounts)
        {
            for (int s = 0; s < scenarios.Length; s++)
            {
                var result = results.FirstOrDefault(r => r.Ranks == ranks && r.Scenario == scenarios[s]);
                if (result is null) continue;
                double start = x;
                for (int rank = 0; rank < result.PeakRssBytes.Length; rank++)
                {
                    plot.Add.Bar(new Bar { Position = x, Value = result.PeakRssBytes[rank] / (double)(1 << 20), FillColor = Palette(s), Size = 0.8 });
                    x++;
                }
                ticks.Add(new Tick((start + x - 1) / 2, TickLabel(scenarios[s], ranks)));
                x += ranks == 1 ? 1.6 : 1.0; // a single bar is narrower than its label
            }
            x += 0.8;
        }
        var model = results.Max(r => r.ModelBytes) / (double)(1 << 20);
        var line = plot.Add.HorizontalLine(model);
        line.LegendText = "model bytes P (what a replicated rank holds)";
        line.LinePattern = LinePattern.Dashed;
        if (results.Where(r => r.Placement == "FullyShard" && r.Ranks > 1).Select(r => r.Ranks).DefaultIfEmpty().Max() is int shardRanks and > 1)
        {
            var shard = plot.Add.HorizontalLine(model / shardRanks);
            shard.LegendText = $"P / {shardRanks} (what a sharded rank holds)";
            shard.LinePattern = LinePattern.Dotted;
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Axes.Margins(bottom: 0, top: 0.12);
        plot.Title("Peak RSS per rank (MiB; one bar per rank)");
        plot.YLabel("MiB");
        plot.ShowLegend(Alignment.UpperLeft);
    }

    // Hyphenated names wrap, so that narrow one-rank groups keep their labels apart.
    private static string TickLabel(string scenario, int ranks) =>
        $"{scenario.Replace("-", "-\n", StringComparison.Ordinal)}\n{ranks} rank{(ranks > 1 ? "s" : "")}";

    private static Color Palette(int index) => new ScottPlot.Palettes.Category10().GetColor(index);
}
