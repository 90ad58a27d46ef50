using System.Text.Json.Serialization;

namespace ModelGen.Benchmarks.Scenarios;

/// <summary>
/// One rank's line of the distributed-loading benchmark. The example program prints the same fields for the
/// <c>modelgen</c> scenarios, so every scenario's lines are merged the same way. <see cref="ParamBytes"/> is what
/// this rank holds after the load; the optional fields are printed by the sharded scenarios, where that is a part
/// of the model.
/// </summary>
internal sealed record LoadResult(
    [property: JsonPropertyName("scenario")] string Scenario,
    [property: JsonPropertyName("rank")] int Rank,
    [property: JsonPropertyName("ranks")] int Ranks,
    [property: JsonPropertyName("param_bytes")] long ParamBytes,
    [property: JsonPropertyName("rss_before_load_bytes")] long RssBeforeLoadBytes,
    [property: JsonPropertyName("peak_rss_bytes")] long PeakRssBytes,
    [property: JsonPropertyName("wall_seconds")] double WallSeconds,
    [property: JsonPropertyName("init_calls_on_loaded")] long InitCallsOnLoaded)
{
    /// <summary>How the model is spread over the ranks (<c>FullyShard</c> for the sharded scenarios); absent means replicated.</summary>
    [JsonPropertyName("placement")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Placement { get; init; }

    /// <summary>The bytes of the whole model's tensors; absent when every rank holds the whole model (<see cref="ParamBytes"/>).</summary>
    [JsonPropertyName("model_bytes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ModelBytes { get; init; }

    /// <summary>The tensor bytes this rank received from rank 0; absent means not counted (read as 0).</summary>
    [JsonPropertyName("received_bytes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ReceivedBytes { get; init; }

    /// <summary><see cref="ModelBytes"/>, or <see cref="ParamBytes"/> for a replicated model.</summary>
    [JsonIgnore]
    public long WholeModelBytes => ModelBytes ?? ParamBytes;

    /// <summary><see cref="ReceivedBytes"/>, or 0 when the line does not say.</summary>
    [JsonIgnore]
    public long BytesReceived => ReceivedBytes ?? 0;
}
