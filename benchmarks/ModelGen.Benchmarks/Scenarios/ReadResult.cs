using System.Text.Json.Serialization;

namespace ModelGen.Benchmarks.Scenarios;

/// <summary>One measured run of one reading scenario, printed as a JSON line.</summary>
internal sealed record ReadResult(
    [property: JsonPropertyName("bench")] string Bench,
    [property: JsonPropertyName("scenario")] string Scenario,
    [property: JsonPropertyName("dtype")] string DType,
    [property: JsonPropertyName("huge_pages")] bool HugePages,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("tensors")] int Tensors,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("rss_before_bytes")] long RssBeforeBytes,
    [property: JsonPropertyName("peak_rss_bytes")] long PeakRssBytes)
{
    [JsonPropertyName("gib_per_s")]
    public double GibPerSecond => Bytes / Seconds / (1L << 30);
}
