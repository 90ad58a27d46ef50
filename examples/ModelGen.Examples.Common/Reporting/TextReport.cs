using System.Globalization;

namespace ModelGen.Examples.Reporting;

/// <summary>Human-readable reports: one line per rank, and a summary that rank 0 prints.</summary>
public static class TextReport
{
    private const double MiB = 1 << 20;

    /// <summary>One line with this rank's numbers.</summary>
    public static string RankLine(RunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var load = result.Load;
        string forward = result.Logits is { } logits
            ? F($"; forward {result.ForwardSeconds:F2} s, logits sum {logits.Sum:R}, sha256 {logits.Sha256[..16]}")
            : "; forward skipped";
        string node = load.Nodes > 1
            ? F($"node {load.Node}/{load.Nodes} (leader rank {load.NodeLeader}; {load.MpiReceivedFromOtherNodesBytes / MiB:F1} MiB from other nodes, {load.PeerReadBytes / MiB:F1} MiB by peer read) ")
            : "";
        return F($"[rank {load.Rank}/{load.Ranks}] {node}{load.ParameterBytes / MiB:F1} MiB ({load.ReceivedBytes / MiB:F1} MiB received) in {result.WallSeconds:F2} s ") +
               F($"({load.BytesPerSecond / MiB:F0} MiB/s); peak RSS {load.PeakRssBytes / MiB:F1} MiB (before load {load.RssBeforeLoadBytes / MiB:F1} MiB)") +
               forward;
    }

    private static string Placement(ModelGen.Loading.LoadReport load) =>
        load.Placement == ModelGen.Sharding.TensorPlacement.FullyShard
            ? F($"fully sharded: each rank holds about 1/{load.Ranks} of {load.ModelBytes / MiB:F1} MiB")
            : "replicated";

    /// <summary>The job summary, from rank 0's result.</summary>
    public static string Summary(RunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var load = result.Load;
        var lines = new List<string>
        {
            F($"ModelGen load ({result.Scenario}): {load.Ranks} rank(s) ({load.Backend}, transport {load.Transport}, {Placement(load)}), {result.Threads} thread(s) per rank"),
            F($"  checkpoint  {result.CheckpointPath}{(result.CheckpointWritten ? " (written by this run)" : "")}"),
            F($"  model       {result.ModelSummary}, {result.DType}"),
            F($"  keys        loaded {load.LoadedKeys.Count}, initialized {load.InitializedKeys.Count}, ignored {load.IgnoredKeys.Count}, ") +
                F($"tied {load.TiedKeys.Count}{List(load.TiedKeys)}, computed {load.ComputedKeys.Count}{List(load.ComputedKeys)}"),
        };
        lines.AddRange(KeyListing.Lines(load));
        lines.AddRange(new[]
        {
            F($"  load        {load.ParameterBytes / MiB:F1} MiB: construct on meta {result.ConstructSeconds:F3} s + load {load.Seconds:F2} s ") +
                F($"= {result.WallSeconds:F2} s ({load.BytesPerSecond / MiB:F0} MiB/s); initializer calls on loaded keys: {load.InitCallsOnLoaded}"),
            F($"  memory      rank 0 peak RSS {load.PeakRssBytes / MiB:F1} MiB, before load {load.RssBeforeLoadBytes / MiB:F1} MiB; ") +
                F($"{load.MappedBytes / MiB:F1} MiB of rank 0's tensors share the checkpoint file's pages"),
        });
        if (result.Training is { } training)
        {
            string losses = string.Join(", ", training.Losses.Select(l => l.ToString("R", CultureInfo.InvariantCulture)));
            string steps = string.Join(", ", training.StepSeconds.Select(s => s.ToString("F2", CultureInfo.InvariantCulture)));
            string peak = training.PeakRssBytes is { } p ? F($"{p / MiB:F1} MiB") : "unknown";
            var traffic = training.StepTraffic;
            lines.Add(F($"  training    {training.Losses.Count} AdamW step(s) in {training.Seconds:F2} s, mean loss per step: {losses}"));
            lines.Add(F($"  steps       seconds per step: {steps}; rank 0 peak RSS while training {peak} (before {training.RssBeforeBytes / MiB:F1} MiB)"));
            lines.Add(F($"  exchange    last step, rank 0 handed {traffic.AllReduceBytes / MiB:F1} MiB to all-reduce, {traffic.AllGatherBytes / MiB:F1} MiB to all-gather, ") +
                F($"{traffic.ReduceScatterBytes / MiB:F1} MiB to reduce-scatter; it must send at least {traffic.LeastSentBytes / MiB:F1} MiB"));
        }
        if (result.Logits is { } logits)
        {
            string agree = result.LogitsAgreeAcrossRanks == true ? "identical on every rank" : "DIFFERENT on some rank";
            lines.Add(F($"  forward     {result.ForwardSeconds:F2} s, logits {logits.ShapeText}, sum {logits.Sum:R}"));
            lines.Add(F($"  checksum    sha256 {logits.Sha256} ({agree})"));
        }
        else
        {
            lines.Add("  forward     skipped (--no-forward)");
        }
        if (result.Save is { } save)
        {
            lines.Add(F($"  saved       {save.TotalBytes / MiB:F1} MiB in {save.ShardPaths.Count} shard(s) in {save.Seconds:F2} s: {save.IndexPath}"));
        }
        return string.Join(Environment.NewLine, lines);
    }

    private static string List(IReadOnlyList<string> keys) =>
        keys.Count switch
        {
            0 => "",
            <= 3 => " (" + string.Join(", ", keys) + ")",
            _ => " (" + string.Join(", ", keys.Take(2)) + ", ...)",
        };

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
