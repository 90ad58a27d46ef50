using System.Globalization;
using ModelGen.MultiRank.Tests.Launching;
using ModelGen.MultiRank.Worker.Scenarios;
using TorchSharp;

namespace ModelGen.MultiRank.Tests.Training;

/// <summary>
/// Training on 3 real MPI ranks, each on its own micro-batch, against one process training on the three micro-batches
/// as one batch (mean loss): after 3 AdamW steps with gradient clipping, replicated and sharded training give the same
/// losses, norms and parameters within 1e-5 relative; training without gradient averaging does not.
/// </summary>
public sealed class TrainingExactnessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task ReplicatedAndShardedTrainingMatchOneProcessOnTheWholeBatch()
    {
        using var checkpoint = new TrainCheckpoint();
        string[] Args(string mode, params string[] more) => ["train", $"mode={mode}", $"checkpoint={checkpoint.CheckpointFolder}", $"out={checkpoint.Output(mode)}", .. more];
        WorkerRun[] runs = await Task.WhenAll(
            WorkerLauncher.RunAloneAsync(Args("single"), Bound),
            WorkerLauncher.MpiRunAsync(Args("replicated", "bucket=4096"), timeout: Bound),
            WorkerLauncher.MpiRunAsync(Args("sharded"), timeout: Bound),
            WorkerLauncher.MpiRunAsync(Args("nosync"), timeout: Bound),
            // Every module a unit, and reduce-scatter windows of 256 bytes: a unit's fused block goes in many pieces.
            WorkerLauncher.MpiRunAsync(["train", "mode=sharded", "units=all", "bucket=256", $"checkpoint={checkpoint.CheckpointFolder}", $"out={checkpoint.Output("windowed")}"], timeout: Bound));
        foreach (WorkerRun run in runs)
            Assert.True(run.ExitCode == 0, run.ToString());
        (WorkerRun single, WorkerRun replicated, WorkerRun sharded, WorkerRun windowed) = (runs[0], runs[1], runs[2], runs[4]);

        var reference = Steps(single, ranks: 1);
        Assert.Equal(3, reference.Count);
        Assert.All(reference, s => Assert.True(s.Norm > TrainScenario.MaxNorm, $"clipping must be active: norm {s.Norm}"));
        // Small buckets: the gradients go in many fused all-reduces.
        Assert.All(replicated.Named("buckets"), e => Assert.True(int.Parse(e["count"], CultureInfo.InvariantCulture) > 3, e["count"]));

        var expected = TrainCheckpoint.ReadTrained(checkpoint.Output("single"));
        foreach (string mode in new[] { "replicated", "sharded", "windowed" })
        {
            WorkerRun run = mode switch { "replicated" => replicated, "sharded" => sharded, _ => windowed };
            var steps = Steps(run, WorkerLauncher.Ranks);
            for (int i = 0; i < reference.Count; i++)
            {
                AssertRelative(reference[i].Loss, steps[i].Loss, 1e-5, $"{mode} step {i + 1} loss");
                AssertRelative(reference[i].Norm, steps[i].Norm, 1e-5, $"{mode} step {i + 1} norm");
            }
            var trained = TrainCheckpoint.ReadTrained(checkpoint.Output(mode));
            Assert.Equal(expected.Keys.Order(), trained.Keys.Order());
            foreach (var (key, want) in expected)
                AssertClose(want, trained[key], 1e-5, $"{mode} '{key}'");
        }

        // Every parameter moved, and without averaging the ranks' gradients the result is another one.
        foreach (var (key, want) in expected)
            Assert.True(MaxDifference(want, checkpoint.Initial[key]) > 1e-3, $"'{key}' did not change in training");
        var unsyncedParameters = TrainCheckpoint.ReadTrained(checkpoint.Output("nosync"));
        Assert.Contains(expected, p => MaxDifference(p.Value, unsyncedParameters[p.Key]) > 1e-3 * Scale(p.Value));
    }

    [Fact]
    public async Task ShardedTrainingOfBFloat16ParametersStaysWithinBFloat16OfTheFloat32Run()
    {
        using var checkpoint = new TrainCheckpoint();
        WorkerRun[] runs = await Task.WhenAll(
            WorkerLauncher.RunAloneAsync(["train", "mode=single", $"checkpoint={checkpoint.CheckpointFolder}", $"out={checkpoint.Output("single")}"], Bound),
            WorkerLauncher.MpiRunAsync(["train", "mode=sharded", "dtype=bfloat16", $"checkpoint={checkpoint.CheckpointFolder}", $"out={checkpoint.Output("bf16")}"], timeout: Bound));
        foreach (WorkerRun run in runs)
            Assert.True(run.ExitCode == 0, run.ToString());

        var reference = Steps(runs[0], ranks: 1);
        var steps = Steps(runs[1], WorkerLauncher.Ranks);
        for (int i = 0; i < reference.Count; i++)
        {
            AssertRelative(reference[i].Loss, steps[i].Loss, 2e-2, $"bfloat16 step {i + 1} loss");
            AssertRelative(reference[i].Norm, steps[i].Norm, 2e-2, $"bfloat16 step {i + 1} norm");
        }

        var expected = TrainCheckpoint.ReadTrained(checkpoint.Output("single"));
        var trained = TrainCheckpoint.ReadTrained(checkpoint.Output("bf16"));
        foreach (var (key, want) in expected)
        {
            // Four bfloat16 units in the last place (2^-5) of the tensor's norm, and well inside the distance training
            // moved it: a gradient missing or not reduced would leave it as far off as the move itself.
            double error = RelativeError(want, trained[key]);
            double moved = RelativeError(want, checkpoint.Initial[key]);
            Assert.True(error <= 1.0 / 32 && error <= moved / 2, $"bfloat16 '{key}': relative error {error:E2}, training moved it {moved:E2}");
        }
    }

    [Fact]
    public async Task TheBytesHandedToCollectivesPerStepAreWhatTheArithmeticPredicts()
    {
        using var checkpoint = new TrainCheckpoint();
        string[] Args(string mode, params string[] more) => ["train", $"mode={mode}", "steps=2", $"checkpoint={checkpoint.CheckpointFolder}", .. more];
        WorkerRun[] runs = await Task.WhenAll(
            WorkerLauncher.MpiRunAsync(Args("replicated"), timeout: Bound),
            WorkerLauncher.MpiRunAsync(Args("sharded", "units=all"), timeout: Bound));
        foreach (WorkerRun run in runs)
            Assert.True(run.ExitCode == 0, run.ToString());

        int ranks = WorkerLauncher.Ranks;
        var shapes = checkpoint.Initial.Values.Select(t => t.shape).ToList();
        long parameterBytes = shapes.Sum(s => s.Aggregate(4L, (a, b) => a * b));
        // Every tensor padded to ceil(d0 / N) rows on every rank, so the gathered and reduce-scattered counts are equal.
        long paddedBytes = shapes.Sum(s => (s[0] + ranks - 1) / ranks * ranks * s.Skip(1).Aggregate(4L, (a, b) => a * b));
        Assert.True(paddedBytes > parameterBytes, "the small model's rows must split unevenly over the ranks");
        foreach (var e in runs[0].Named("traffic"))
        {
            // One all-reduce of every gradient, plus the presence mask (one float per parameter).
            Assert.Equal(parameterBytes + 4L * shapes.Count, Bytes(e, "allReduce"));
            Assert.Equal(0, Bytes(e, "allGather") + Bytes(e, "reduceScatter"));
        }
        foreach (var e in runs[1].Named("traffic"))
        {
            // Every unit gathered for its forward and again for its recomputation; every gradient reduce-scattered once.
            Assert.Equal(2 * paddedBytes, Bytes(e, "allGather"));
            Assert.Equal(paddedBytes, Bytes(e, "reduceScatter"));
            Assert.Equal(ranks, (int)Bytes(e, "ranks"));
        }
        Assert.Equal(ranks, runs[0].Named("traffic").Count());
        Assert.Equal(ranks, runs[1].Named("traffic").Count());
    }

    private static long Bytes(WorkerEvent e, string field) => long.Parse(e[field], CultureInfo.InvariantCulture);

    internal sealed record Step(double Loss, double Norm);

    /// <summary>Per step: the mean of the ranks' losses (the loss of the whole batch) and the norm, equal on every rank.</summary>
    internal static List<Step> Steps(WorkerRun run, int ranks)
    {
        return run.Named("step").GroupBy(e => int.Parse(e["step"], CultureInfo.InvariantCulture)).OrderBy(g => g.Key).Select(g =>
        {
            Assert.Equal(ranks, g.Count());
            double[] norms = g.Select(e => double.Parse(e["norm"], CultureInfo.InvariantCulture)).ToArray();
            Assert.All(norms, n => Assert.Equal(norms[0], n));
            return new Step(g.Average(e => double.Parse(e["loss"], CultureInfo.InvariantCulture)), norms[0]);
        }).ToList();
    }

    private static void AssertRelative(double expected, double actual, double tolerance, string what) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance * Math.Abs(expected), $"{what}: expected {expected:R}, got {actual:R}");

    /// <summary>Element-wise within <paramref name="tolerance"/> relative, with the tensor's largest magnitude as the floor of the scale.</summary>
    private static void AssertClose(torch.Tensor expected, torch.Tensor actual, double tolerance, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        double scale = Scale(expected);
        using torch.Tensor difference = (expected - actual).abs();
        using torch.Tensor bound = expected.abs() * tolerance + tolerance * scale;
        using torch.Tensor excess = difference - bound;
        double worst = excess.max().item<float>();
        Assert.True(worst <= 0, $"{what}: differs by {MaxDifference(expected, actual):E3} (scale {scale:E3}, tolerance {tolerance:E1})");
    }

    private static double RelativeError(torch.Tensor expected, torch.Tensor actual) =>
        (expected - actual).norm().item<float>() / expected.norm().item<float>();

    private static double Scale(torch.Tensor tensor) => tensor.abs().max().item<float>();

    private static double MaxDifference(torch.Tensor a, torch.Tensor b) => (a - b).abs().max().item<float>();
}
