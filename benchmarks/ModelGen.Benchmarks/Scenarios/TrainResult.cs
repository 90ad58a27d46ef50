using System.Text.Json.Serialization;

namespace ModelGen.Benchmarks.Scenarios;

/// <summary>
/// One rank's line of the training benchmark: the fields the example's <c>--json</c> prints after <c>--train-steps</c>,
/// which benchmarks/pytorch/train_ddp.py prints too. The byte counts are those of the last step.
/// </summary>
internal sealed record TrainResult(
    [property: JsonPropertyName("scenario")] string Scenario,
    [property: JsonPropertyName("rank")] int Rank,
    [property: JsonPropertyName("ranks")] int Ranks,
    [property: JsonPropertyName("model_bytes")] long ModelBytes,
    [property: JsonPropertyName("train_losses")] double[] Losses,
    [property: JsonPropertyName("train_step_seconds")] double[] StepSeconds,
    [property: JsonPropertyName("train_rss_before_bytes")] long RssBeforeBytes,
    [property: JsonPropertyName("train_peak_rss_bytes")] long? PeakRssBytes,
    [property: JsonPropertyName("train_step_allreduce_bytes")] long AllReduceBytes,
    [property: JsonPropertyName("train_step_allgather_bytes")] long AllGatherBytes,
    [property: JsonPropertyName("train_step_reducescatter_bytes")] long ReduceScatterBytes,
    [property: JsonPropertyName("train_step_least_sent_bytes")] double LeastSentBytes);
