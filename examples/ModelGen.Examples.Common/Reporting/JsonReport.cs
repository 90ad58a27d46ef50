using System.Text;
using System.Text.Json;

namespace ModelGen.Examples.Reporting;

/// <summary>One rank's result as a single-line JSON object, the format benchmark scripts collect from stdout.</summary>
public static class JsonReport
{
    /// <summary>Formats <paramref name="result"/> as one line of JSON (no trailing newline).</summary>
    public static string Format(RunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("scenario", result.Scenario);
            json.WriteNumber("rank", result.Load.Rank);
            json.WriteNumber("ranks", result.Load.Ranks);
            json.WriteString("backend", result.Load.Backend);
            json.WriteString("transport", result.Load.Transport);
            json.WriteString("model", result.ModelSummary);
            json.WriteString("dtype", result.DType);
            json.WriteNumber("threads", result.Threads);
            json.WriteNumber("param_bytes", result.Load.ParameterBytes);
            json.WriteNumber("mapped_bytes", result.Load.MappedBytes);
            json.WriteString("placement", result.Load.Placement.ToString());
            json.WriteNumber("received_bytes", result.Load.ReceivedBytes);
            json.WriteNumber("node", result.Load.Node);
            json.WriteNumber("nodes", result.Load.Nodes);
            json.WriteNumber("node_leader", result.Load.NodeLeader);
            json.WriteNumber("mpi_received_bytes", result.Load.MpiReceivedBytes);
            json.WriteNumber("mpi_from_other_nodes_bytes", result.Load.MpiReceivedFromOtherNodesBytes);
            json.WriteNumber("peer_read_bytes", result.Load.PeerReadBytes);
            json.WriteNumber("model_bytes", result.Load.ModelBytes);
            json.WriteNumber("rss_before_load_bytes", result.Load.RssBeforeLoadBytes);
            json.WriteNumber("peak_rss_bytes", result.Load.PeakRssBytes);
            json.WriteNumber("wall_seconds", result.WallSeconds);
            json.WriteNumber("construct_seconds", result.ConstructSeconds);
            json.WriteNumber("load_seconds", result.Load.Seconds);
            json.WriteNumber("load_bytes_per_second", result.Load.BytesPerSecond);
            // Flat keys (load_phase_catalog_seconds, ...): the benchmark's reader takes one object per line, not nested.
            foreach ((string phase, double seconds) in result.Load.PhaseSeconds) json.WriteNumber($"load_phase_{phase}_seconds", seconds);
            json.WriteNumber("init_calls_on_loaded", result.Load.InitCallsOnLoaded);
            json.WriteNumber("keys_loaded", result.Load.LoadedKeys.Count);
            json.WriteNumber("keys_initialized", result.Load.InitializedKeys.Count);
            json.WriteNumber("keys_ignored", result.Load.IgnoredKeys.Count);
            json.WriteNumber("keys_tied", result.Load.TiedKeys.Count);
            json.WriteNumber("keys_computed", result.Load.ComputedKeys.Count);
            WriteKeys(json, "initialized_keys", result.Load.InitializedKeys);
            WriteKeys(json, "ignored_keys", result.Load.IgnoredKeys);
            json.WriteBoolean("checkpoint_written", result.CheckpointWritten);
            WriteNullable(json, "forward_seconds", result.ForwardSeconds);
            WriteNullable(json, "peak_rss_after_forward_bytes", result.PeakRssAfterForwardBytes);
            if (result.Logits is { } logits)
            {
                json.WriteString("logits_checksum", logits.Sha256);
                json.WriteNumber("logits_sum", logits.Sum);
                json.WriteString("logits_shape", logits.ShapeText);
            }
            else
            {
                json.WriteNull("logits_checksum");
                json.WriteNull("logits_sum");
                json.WriteNull("logits_shape");
            }
            if (result.Training is { } training)
            {
                json.WriteStartArray("train_losses");
                foreach (double loss in training.Losses) json.WriteNumberValue(loss);
                json.WriteEndArray();
                json.WriteNumber("train_seconds", training.Seconds);
                json.WriteStartArray("train_step_seconds");
                foreach (double seconds in training.StepSeconds) json.WriteNumberValue(seconds);
                json.WriteEndArray();
                json.WriteNumber("train_rss_before_bytes", training.RssBeforeBytes);
                WriteNullable(json, "train_peak_rss_bytes", training.PeakRssBytes);
                json.WriteNumber("train_step_allreduce_bytes", training.StepTraffic.AllReduceBytes);
                json.WriteNumber("train_step_allgather_bytes", training.StepTraffic.AllGatherBytes);
                json.WriteNumber("train_step_reducescatter_bytes", training.StepTraffic.ReduceScatterBytes);
                json.WriteNumber("train_step_least_sent_bytes", training.StepTraffic.LeastSentBytes);
            }
            if (result.Save is { } save)
            {
                json.WriteString("saved_index", save.IndexPath);
                json.WriteNumber("saved_bytes", save.TotalBytes);
                json.WriteNumber("save_seconds", save.Seconds);
            }
            if (result.LogitsAgreeAcrossRanks is { } agree) json.WriteBoolean("logits_agree_across_ranks", agree);
            else json.WriteNull("logits_agree_across_ranks");
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteKeys(Utf8JsonWriter json, string name, IReadOnlyList<string> keys)
    {
        json.WriteStartArray(name);
        foreach (string key in keys.Order(StringComparer.Ordinal)) json.WriteStringValue(key);
        json.WriteEndArray();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v) json.WriteNumber(name, v);
        else json.WriteNull(name);
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } v) json.WriteNumber(name, v);
        else json.WriteNull(name);
    }
}
