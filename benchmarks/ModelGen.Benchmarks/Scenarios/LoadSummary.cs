using System.Text.Json;
using System.Text.Json.Serialization;
using ModelGen.Benchmarks.Measurement;

namespace ModelGen.Benchmarks.Scenarios;

/// <summary>
/// Merges the per-rank lines of every run (one file per run) into one object per run, then one object per
/// (checkpoint size, scenario, ranks) with medians over repetitions. Runs of one checkpoint size sit in one folder:
/// the runs folder itself, or one subfolder of it per size when several sizes were measured.
/// </summary>
internal static class LoadSummary
{
    /// <summary>One scenario at one rank count on one checkpoint: medians over runs, figures per rank.</summary>
    internal sealed record ScenarioResult(
        [property: JsonPropertyName("size")] string Size,
        [property: JsonPropertyName("scenario")] string Scenario,
        [property: JsonPropertyName("ranks")] int Ranks,
        [property: JsonPropertyName("runs")] int Runs,
        [property: JsonPropertyName("placement")] string Placement,
        [property: JsonPropertyName("model_bytes")] long ModelBytes,
        [property: JsonPropertyName("param_bytes")] long ParamBytes,
        [property: JsonPropertyName("param_bytes_per_rank")] long[] ParamBytesPerRank,
        [property: JsonPropertyName("received_bytes")] long[] ReceivedBytes,
        [property: JsonPropertyName("rss_before_load_bytes")] long[] RssBeforeLoadBytes,
        [property: JsonPropertyName("peak_rss_bytes")] long[] PeakRssBytes,
        [property: JsonPropertyName("wall_seconds")] double WallSeconds,
        [property: JsonPropertyName("wall_seconds_runs")] double[] WallSecondsRuns,
        [property: JsonPropertyName("init_calls_on_loaded")] long InitCallsOnLoaded)
    {
        /// <summary>Peak RSS minus RSS before the load, per rank.</summary>
        public long[] GrowthBytes() => PeakRssBytes.Zip(RssBeforeLoadBytes, (peak, before) => peak - before).ToArray();
    }

    public static IReadOnlyList<ScenarioResult> Summarize(string runsFolder)
    {
        var runs = Directory.GetFiles(runsFolder, "*.jsonl", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(file => (Size: Path.GetRelativePath(runsFolder, Path.GetDirectoryName(file)!) is var folder && folder != "." ? folder : "",
                             Lines: ReadRun(file)))
            .Where(run => run.Lines.Length > 0)
            .ToArray();
        var results = runs.GroupBy(r => (r.Size, r.Lines[0].Scenario, r.Lines[0].Ranks))
            .Select(g => Merge(g.Key.Size, g.Key.Scenario, g.Key.Ranks, g.Select(r => r.Lines).ToArray()))
            .ToArray();
        // Sizes in order of the model they loaded, smallest first.
        var sizeOrder = results.GroupBy(r => r.Size).ToDictionary(g => g.Key, g => g.Max(r => r.ModelBytes), StringComparer.Ordinal);
        return results.OrderBy(r => sizeOrder[r.Size]).ThenBy(r => r.Size, StringComparer.Ordinal)
            .ThenBy(r => r.Ranks).ThenBy(r => r.Scenario, StringComparer.Ordinal)
            .ToArray();
    }

    private static LoadResult[] ReadRun(string file)
    {
        try
        {
            return File.ReadLines(file).SelectMany(JsonObjects).Select(l => JsonSerializer.Deserialize<LoadResult>(l)!).OrderBy(r => r.Rank).ToArray();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: not a benchmark result line: {e.Message}", e);
        }
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

    private static ScenarioResult Merge(string size, string scenario, int ranks, LoadResult[][] runs)
    {
        foreach (LoadResult[] run in runs)
        {
            if (!run.Select(r => r.Rank).SequenceEqual(Enumerable.Range(0, ranks)))
                throw new InvalidDataException($"a {scenario} run with {ranks} ranks{(size.Length > 0 ? $" ({size})" : "")} printed {run.Length} rank lines for ranks {string.Join(",", run.Select(r => r.Rank))}");
        }
        double[] walls = runs.Select(run => run.Max(r => r.WallSeconds)).ToArray();
        long[] PerRank(Func<LoadResult, long> field) =>
            Enumerable.Range(0, ranks).Select(rank => (long)Statistics.Median(runs.Select(run => (double)field(run[rank])))).ToArray();
        return new ScenarioResult(
            size, scenario, ranks, runs.Length,
            runs[0][0].Placement ?? "Replicated",
            runs[0].Max(r => r.WholeModelBytes),
            runs[0].Max(r => r.ParamBytes),
            PerRank(r => r.ParamBytes),
            PerRank(r => r.BytesReceived),
            PerRank(r => r.RssBeforeLoadBytes),
            PerRank(r => r.PeakRssBytes),
            Statistics.Median(walls), walls,
            runs.Max(run => run.Sum(r => r.InitCallsOnLoaded)));
    }
}
