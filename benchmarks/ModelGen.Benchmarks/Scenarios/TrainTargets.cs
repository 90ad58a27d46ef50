using System.Globalization;
using Result = ModelGen.Benchmarks.Scenarios.TrainSummary.ScenarioResult;

namespace ModelGen.Benchmarks.Scenarios;

/// <summary>
/// The training targets (issue 10): replicated step time within 1.1x PyTorch DDP's, sharded step time within 1.5x
/// replicated's, sharded peak RSS per rank within 0.45x replicated's on every rank; beside them, the losses agreeing
/// across scenarios and the bytes per step against the arithmetic that predicts them.
/// </summary>
internal static class TrainTargets
{
    public const double ReplicatedOverDdp = 1.1;
    public const double ShardedOverReplicated = 1.5;
    public const double ShardedRssOverReplicated = 0.45;

    /// <summary>How far the losses of two scenarios may differ, relative (the exactness tests' tolerance).</summary>
    public const double LossTolerance = 1e-5;

    /// <summary>How far counted bytes may exceed the prediction (padding adds at most one chunk row per tensor).</summary>
    public const double BytesTolerance = 0.01;

    public static IEnumerable<TargetCheck> Check(IReadOnlyDictionary<string, Result> s)
    {
        s.TryGetValue("modelgen-replicated", out Result? replicated);
        s.TryGetValue("modelgen-sharded", out Result? sharded);
        s.TryGetValue("pytorch-ddp", out Result? ddp);
        if (replicated is not null && ddp is not null)
            yield return StepRatio(replicated, ddp, ReplicatedOverDdp);
        if (sharded is not null && replicated is not null)
        {
            yield return StepRatio(sharded, replicated, ShardedOverReplicated);
            for (int rank = 0; rank < sharded.Ranks; rank++)
            {
                double ratio = (double)sharded.PeakRssBytes[rank] / replicated.PeakRssBytes[rank];
                string runs = string.Join(" ", PairedRuns(sharded, replicated).Select(p => F($"{(double)p.A.PeakRssRuns[p.IndexA][rank] / p.B.PeakRssRuns[p.IndexB][rank]:F2}")));
                yield return new(sharded.Ranks, F($"modelgen-sharded peak RSS / modelgen-replicated, rank {rank}"), F($"<= {ShardedRssOverReplicated:F2}"),
                    F($"{ratio:F2} (runs {runs})"), ratio <= ShardedRssOverReplicated);
            }
        }
        foreach (Result? other in new[] { sharded, ddp })
        {
            if (replicated is null || other is null) continue;
            double worst = replicated.Losses.Zip(other.Losses, (a, b) => Math.Abs(a - b) / Math.Abs(a)).DefaultIfEmpty(double.PositiveInfinity).Max();
            bool sameCount = replicated.Losses.Length == other.Losses.Length;
            yield return new(other.Ranks, F($"{other.Scenario} losses vs modelgen-replicated, largest relative difference"), F($"<= {LossTolerance:0E+0}"),
                sameCount ? F($"{worst:0.0E+0}") : "different step counts", sameCount && worst <= LossTolerance);
        }
        if (replicated is not null)
        {
            // DDP style: one all-reduce of every gradient (P bytes), plus one float per parameter of presence mask.
            yield return Bytes(replicated, "all-reduce", replicated.AllReduceBytes, replicated.ModelBytes, "P");
        }
        if (sharded is not null)
        {
            // FSDP style: every unit gathered for forward and again for its recomputation, every gradient reduce-scattered once.
            yield return Bytes(sharded, "all-gather", sharded.AllGatherBytes, 2 * sharded.ModelBytes, "2P");
            yield return Bytes(sharded, "reduce-scatter", sharded.ReduceScatterBytes, sharded.ModelBytes, "P");
        }
    }

    /// <summary>The bytes a rank must send per step for each placement, by the arithmetic: 2(N-1)/N P replicated (ring all-reduce), 3(N-1)/N P sharded.</summary>
    public static double PredictedLeastSentBytes(Result result) => result.Scenario == "modelgen-sharded"
        ? 3.0 * result.ModelBytes * (result.Ranks - 1) / result.Ranks
        : 2.0 * result.ModelBytes * (result.Ranks - 1) / result.Ranks;

    private static TargetCheck StepRatio(Result a, Result b, double bound)
    {
        double ratio = a.StepSeconds / b.StepSeconds;
        var paired = PairedRuns(a, b).Select(p => p.A.StepSecondsRuns[p.IndexA] / p.B.StepSecondsRuns[p.IndexB]).ToArray();
        string runs = string.Join(" ", paired.Select(r => F($"{r:F2}")));
        string holds = paired.Length == 0 ? "" : paired.All(r => r <= bound) ? ", every run" : paired.Any(r => r <= bound) ? ", not every run" : ", no run";
        return new(a.Ranks, F($"{a.Scenario} step / {b.Scenario} step"), F($"<= {bound:F2}"), F($"{ratio:F2} (runs {runs}{holds})"), ratio <= bound);
    }

    /// <summary>The runs of two scenarios taken in the same repetition (interleaved, so side by side in time).</summary>
    private static IEnumerable<(Result A, int IndexA, Result B, int IndexB)> PairedRuns(Result a, Result b) =>
        a.Reps.Select((rep, i) => (Rep: rep, Index: i)).Join(b.Reps.Select((rep, i) => (Rep: rep, Index: i)), x => x.Rep, y => y.Rep, (x, y) => (a, x.Index, b, y.Index));

    private static TargetCheck Bytes(Result r, string collective, long measured, long predicted, string formula)
    {
        double ratio = (double)measured / predicted;
        return new(r.Ranks, F($"{r.Scenario} bytes handed to {collective} per step / {formula}"), F($"1 to {1 + BytesTolerance:F2}"),
            F($"{ratio:F4} ({measured / (double)(1 << 20):F1} MiB, {formula} = {predicted / (double)(1 << 20):F1} MiB)"), ratio >= 1 && ratio <= 1 + BytesTolerance);
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
