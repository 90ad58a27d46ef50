using System.Globalization;
using ModelGen.Benchmarks.Scenarios;

namespace ModelGen.Benchmarks.Tests;

public sealed class LoadSummaryTests : IDisposable
{
    private readonly string _runs = Path.Combine(Path.GetTempPath(), "modelgen-bench-tests-" + Guid.NewGuid().ToString("N"));

    public LoadSummaryTests() => Directory.CreateDirectory(_runs);

    public void Dispose() => Directory.Delete(_runs, recursive: true);

    private void WriteRun(string relativePath, params string[] lines)
    {
        string path = Path.Combine(_runs, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllLines(path, lines);
    }

    private static string Replicated(string scenario, int rank, int ranks, long param, long peak, double wall) => string.Create(CultureInfo.InvariantCulture,
        $$"""{"scenario":"{{scenario}}","rank":{{rank}},"ranks":{{ranks}},"backend":"mpi","param_bytes":{{param}},"rss_before_load_bytes":100,"peak_rss_bytes":{{peak}},"wall_seconds":{{wall}},"init_calls_on_loaded":0}""");

    private static string Sharded(int rank, long kept, long model, long received, long peak, double wall) => string.Create(CultureInfo.InvariantCulture,
        $$"""{"scenario":"floor-sharded","rank":{{rank}},"ranks":3,"placement":"FullyShard","param_bytes":{{kept}},"model_bytes":{{model}},"received_bytes":{{received}},"rss_before_load_bytes":100,"peak_rss_bytes":{{peak}},"wall_seconds":{{wall}},"init_calls_on_loaded":0}""");

    [Fact]
    public void ReplicatedLinesReadAsTheWholeModelWithNothingCountedAsReceived()
    {
        WriteRun("modelgen-3-1.jsonl", Replicated("modelgen", 1, 3, 900, 1000, 1.0), Replicated("modelgen", 0, 3, 900, 1100, 1.5), Replicated("modelgen", 2, 3, 900, 1000, 1.2));

        LoadSummary.ScenarioResult result = Assert.Single(LoadSummary.Summarize(_runs));

        Assert.Equal(("", "modelgen", 3, "Replicated"), (result.Size, result.Scenario, result.Ranks, result.Placement));
        Assert.Equal(900, result.ModelBytes);
        Assert.Equal([900L, 900, 900], result.ParamBytesPerRank);
        Assert.Equal([0L, 0, 0], result.ReceivedBytes);
        Assert.Equal([1100L, 1000, 1000], result.PeakRssBytes);
        Assert.Equal(1.5, result.WallSeconds);
    }

    [Fact]
    public void ShardedLinesKeepTheirFiguresPerRankWithMediansOverRuns()
    {
        for (int rep = 1; rep <= 3; rep++)
        {
            WriteRun($"1.5gib/floor-sharded-3-{rep}.jsonl",
                Sharded(0, 34, 100, 0, 200 + rep, rep), Sharded(1, 34, 100, 34, 150, 0.5), Sharded(2, 32, 100, 32, 140 + 10 * rep, 0.5));
        }

        LoadSummary.ScenarioResult result = Assert.Single(LoadSummary.Summarize(_runs));

        Assert.Equal(("1.5gib", "FullyShard", 3), (result.Size, result.Placement, result.Runs));
        Assert.Equal(100, result.ModelBytes);
        Assert.Equal([34L, 34, 32], result.ParamBytesPerRank);
        Assert.Equal([0L, 34, 32], result.ReceivedBytes);
        Assert.Equal([202L, 150, 160], result.PeakRssBytes);
        Assert.Equal([102L, 50, 60], result.GrowthBytes());
        Assert.Equal(2.0, result.WallSeconds);
    }

    [Fact]
    public void SizesAreOrderedByTheModelTheyLoaded()
    {
        WriteRun("3gib/modelgen-1-1.jsonl", Replicated("modelgen", 0, 1, 3000, 4000, 1));
        WriteRun("0.5gib/modelgen-1-1.jsonl", Replicated("modelgen", 0, 1, 500, 700, 1));
        WriteRun("1.5gib/modelgen-1-1.jsonl", Replicated("modelgen", 0, 1, 1500, 1700, 1));

        Assert.Equal(["0.5gib", "1.5gib", "3gib"], LoadSummary.Summarize(_runs).Select(r => r.Size));
    }

    [Fact]
    public void ARunMissingARankLineIsRejectedNamingTheScenario()
    {
        WriteRun("floor-sharded-3-1.jsonl", Sharded(0, 34, 100, 0, 200, 1), Sharded(2, 32, 100, 32, 150, 1));

        var error = Assert.Throws<InvalidDataException>(() => LoadSummary.Summarize(_runs));
        Assert.Contains("floor-sharded run with 3 ranks printed 2 rank lines", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARunWithTheSameRankTwiceIsRejected()
    {
        WriteRun("floor-sharded-3-1.jsonl", Sharded(0, 34, 100, 0, 200, 1), Sharded(1, 34, 100, 34, 150, 1), Sharded(1, 34, 100, 34, 150, 1));

        var error = Assert.Throws<InvalidDataException>(() => LoadSummary.Summarize(_runs));
        Assert.Contains("for ranks 0,1,1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALineThatIsNotAResultIsRejectedNamingTheFile()
    {
        WriteRun("pytorch-sharded-1-1.jsonl", """{"scenario":"pytorch-sharded","rank":"zero"}""");

        var error = Assert.Throws<InvalidDataException>(() => LoadSummary.Summarize(_runs));
        Assert.Contains("pytorch-sharded-1-1.jsonl", error.Message, StringComparison.Ordinal);
    }
}
