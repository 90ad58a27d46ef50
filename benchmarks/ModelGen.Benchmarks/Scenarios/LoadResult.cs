using System.Text.Json.Serialization;

namespace ModelGen.Benchmarks.Scenarios;

/// <summary>
/// One rank's line of the distributed-loading benchmark. The example program prints the same fields for the
/// <c>modelgen</c> scenario, so every scenario's lines are merged the same way.
/// </summary>
internal sealed record LoadResult(
    [property: JsonPropertyName("scenario")] string Scenario,
    [property: JsonPropertyName("rank")] int Rank,
    [property: JsonPropertyName("ranks")] int Ranks,
    [property: JsonPropertyName("param_bytes")] long ParamBytes,
    [property: JsonPropertyName("rss_before_load_bytes")] long RssBeforeLoadBytes,
    [property: JsonPropertyName("peak_rss_bytes")] long PeakRssBytes,
    [property: JsonPropertyName("wall_seconds")] double WallSeconds,
    [property: JsonPropertyName("init_calls_on_loaded")] long InitCallsOnLoaded);
