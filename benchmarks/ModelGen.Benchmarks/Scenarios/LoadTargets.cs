using System.Globalization;
using Result = ModelGen.Benchmarks.Scenarios.LoadSummary.ScenarioResult;

namespace ModelGen.Benchmarks.Scenarios;

/// <summary>One checked target: what was compared, the bound, the measured value, and whether it holds.</summary>
internal sealed record TargetCheck(int Ranks, string Check, string Target, string Measured, bool Met);

/// <summary>
/// The distributed-loading targets, checked on the scenarios of one checkpoint size at one rank count: those of the
/// replicated loader (against floor, floor-mapped, naive and pytorch) and those of the fully sharded loader (against
/// floor-sharded, naive and pytorch-sharded).
/// </summary>
internal static class LoadTargets
{
    private const double MiB = 1 << 20;

    /// <summary>What a rank's memory may grow by beyond the model bytes it holds, replicated.</summary>
    public const long ReplicatedSlackBytes = 128L << 20;

    /// <summary>What a rank's memory may grow by beyond its P/N of the model, sharded (rank 0's window included).</summary>
    public const long ShardedSlackBytes = 160L << 20;

    /// <summary>How far the bytes a non-zero rank received may be from P/N, sharded.</summary>
    public const double ReceivedTolerance = 0.01;

    public static IEnumerable<TargetCheck> Check(int ranks, IReadOnlyDictionary<string, Result> scenarios)
    {
        if (scenarios.TryGetValue("modelgen", out Result? m))
        {
            foreach (TargetCheck check in Replicated(ranks, m, scenarios)) yield return check;
        }
        if (ranks > 1 && scenarios.TryGetValue("floor-sharded", out Result? fs))
        {
            // The floor must meet the bounds the loader is held to, or the bounds could not be met.
            yield return GrowthWithinShard(ranks, fs);
            yield return ReceivedShard(ranks, fs);
        }
        if (ranks > 1 && scenarios.TryGetValue("modelgen-sharded", out Result? ms))
        {
            foreach (TargetCheck check in Sharded(ranks, ms, scenarios)) yield return check;
        }
    }

    private static IEnumerable<TargetCheck> Replicated(int ranks, Result m, IReadOnlyDictionary<string, Result> s)
    {
        long worstGrowth = m.GrowthBytes().Max();
        yield return new(ranks, "modelgen peak - before, worst rank", "<= param + 128 MiB", Invariant($"{worstGrowth / MiB:F0} MiB (param {m.ParamBytes / MiB:F0} MiB)"), worstGrowth <= m.ParamBytes + ReplicatedSlackBytes);
        yield return InitCalls(ranks, m);
        if (s.TryGetValue("floor", out Result? f))
            yield return new(ranks, "modelgen wall / floor wall", "<= 1.25", Invariant($"{m.WallSeconds / f.WallSeconds:F2}"), m.WallSeconds <= 1.25 * f.WallSeconds);
        if (s.TryGetValue("floor-mapped", out Result? fm))
            yield return new(ranks, "modelgen wall / floor-mapped wall", "<= 1.25", Invariant($"{m.WallSeconds / fm.WallSeconds:F2}"), m.WallSeconds <= 1.25 * fm.WallSeconds);
        if (s.TryGetValue("naive", out Result? n))
        {
            yield return new(ranks, "naive wall / modelgen wall", ">= 5", Invariant($"{n.WallSeconds / m.WallSeconds:F2}"), n.WallSeconds >= 5 * m.WallSeconds);
            yield return SummedPeakAgainstNaive(ranks, m, n);
        }
        if (s.TryGetValue("pytorch", out Result? p))
        {
            yield return new(ranks, "modelgen wall / pytorch wall", "<= 0.5", Invariant($"{m.WallSeconds / p.WallSeconds:F2}"), m.WallSeconds <= 0.5 * p.WallSeconds);
            bool lower = m.PeakRssBytes.Zip(p.PeakRssBytes, (a, b) => a <= b).All(x => x);
            yield return new(ranks, "modelgen peak RSS <= pytorch, every rank", "yes", lower ? "yes" : "no", lower);
        }
    }

    private static IEnumerable<TargetCheck> Sharded(int ranks, Result m, IReadOnlyDictionary<string, Result> s)
    {
        yield return GrowthWithinShard(ranks, m);
        yield return ReceivedShard(ranks, m);
        yield return InitCalls(ranks, m);
        if (s.TryGetValue("naive", out Result? n))
            yield return SummedPeakAgainstNaive(ranks, m, n);
        if (s.TryGetValue("floor-sharded", out Result? f))
            yield return new(ranks, "modelgen-sharded wall / floor-sharded wall", "<= 1.25", Invariant($"{m.WallSeconds / f.WallSeconds:F2}"), m.WallSeconds <= 1.25 * f.WallSeconds);
        if (s.TryGetValue("pytorch-sharded", out Result? p))
        {
            yield return new(ranks, "modelgen-sharded wall / pytorch-sharded wall", "<= 1/3", Invariant($"{m.WallSeconds / p.WallSeconds:F2}"), 3 * m.WallSeconds <= p.WallSeconds);
            bool lower = m.PeakRssBytes.Zip(p.PeakRssBytes, (a, b) => a < b).All(x => x);
            string measured = string.Join(" / ", m.PeakRssBytes.Zip(p.PeakRssBytes, (a, b) => Invariant($"{a / MiB:F0} vs {b / MiB:F0}")));
            yield return new(ranks, "modelgen-sharded peak RSS < pytorch-sharded, every rank", "yes", measured + " MiB", lower);
        }
    }

    /// <summary>Every rank's peak RSS minus RSS before the load at most P/N + <see cref="ShardedSlackBytes"/>.</summary>
    private static TargetCheck GrowthWithinShard(int ranks, Result r)
    {
        long share = r.ModelBytes / ranks;
        long[] growth = r.GrowthBytes();
        string measured = Invariant($"{string.Join(" / ", growth.Select(g => (g / MiB).ToString("F0", CultureInfo.InvariantCulture)))} MiB (P/{ranks} {share / MiB:F0} MiB)");
        return new(ranks, $"{r.Scenario} peak - before, every rank", $"<= P/{ranks} + 160 MiB", measured, growth.All(g => g <= share + ShardedSlackBytes));
    }

    /// <summary>Every non-zero rank received P/N of the model bytes, within <see cref="ReceivedTolerance"/>.</summary>
    private static TargetCheck ReceivedShard(int ranks, Result r)
    {
        double share = (double)r.ModelBytes / ranks;
        double[] ratios = r.ReceivedBytes.Skip(1).Select(b => b / share).ToArray();
        string measured = string.Join(" / ", ratios.Select(x => x.ToString("F3", CultureInfo.InvariantCulture)));
        return new(ranks, $"{r.Scenario} received per non-zero rank / (P/{ranks})", "0.99 - 1.01", measured, ratios.All(x => Math.Abs(x - 1) <= ReceivedTolerance));
    }

    private static TargetCheck InitCalls(int ranks, Result r) =>
        new(ranks, $"{r.Scenario} init calls on loaded tensors", "0", r.InitCallsOnLoaded.ToString(CultureInfo.InvariantCulture), r.InitCallsOnLoaded == 0);

    private static TargetCheck SummedPeakAgainstNaive(int ranks, Result r, Result naive)
    {
        double ratio = (double)r.PeakRssBytes.Sum() / naive.PeakRssBytes.Sum();
        return new(ranks, $"{r.Scenario} summed peak RSS / naive", "<= 0.5", Invariant($"{ratio:F2}"), ratio <= 0.5);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
