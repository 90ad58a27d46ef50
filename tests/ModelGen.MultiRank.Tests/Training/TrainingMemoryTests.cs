using System.Globalization;
using ModelGen.MultiRank.Tests.Launching;
using ModelGen.MultiRank.Worker.Training;
using Xunit.Abstractions;

namespace ModelGen.MultiRank.Tests.Training;

/// <summary>
/// Resident memory while training the 137 MB model on 3 ranks with AdamW (parameters, gradients, optimizer state,
/// gathered units, activations): sharded, every rank's peak is a fraction of what a replicated rank's is.
/// </summary>
public sealed class TrainingMemoryTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(300);

    [Fact]
    public async Task ShardedTrainingPeaksAtAFractionOfReplicatedOnEveryRank()
    {
        using var checkpoint = new TrainCheckpoint(TrainTestShape.Large);
        string[] Args(string mode, params string[] more) =>
            ["train", $"mode={mode}", "shape=large", "length=64", "steps=2", "memory=yes", $"checkpoint={checkpoint.CheckpointFolder}", .. more];
        WorkerRun replicated = await WorkerLauncher.MpiRunAsync(Args("replicated"), timeout: Bound);
        // The default units make the 16 MiB embedding and head units of their own; "layers" keeps them in the root.
        WorkerRun sharded = await WorkerLauncher.MpiRunAsync(Args("sharded"), timeout: Bound);
        WorkerRun rootGathered = await WorkerLauncher.MpiRunAsync(Args("sharded", "units=layers"), timeout: Bound);
        Assert.True(replicated.ExitCode == 0, replicated.ToString());
        Assert.True(sharded.ExitCode == 0, sharded.ToString());
        Assert.True(rootGathered.ExitCode == 0, rootGathered.ToString());

        var replicatedPeaks = Peaks(replicated);
        var shardedPeaks = Peaks(sharded);
        var rootGatheredPeaks = Peaks(rootGathered);
        for (int rank = 0; rank < WorkerLauncher.Ranks; rank++)
        {
            output.WriteLine($"rank {rank}: before training {Before(replicated, rank) >> 20} / {Before(sharded, rank) >> 20} MiB; peak replicated {replicatedPeaks[rank] >> 20} MiB, " +
                $"sharded {shardedPeaks[rank] >> 20} MiB (ratio {(double)shardedPeaks[rank] / replicatedPeaks[rank]:F2}), sharded with the root gathered {rootGatheredPeaks[rank] >> 20} MiB (ratio {(double)rootGatheredPeaks[rank] / replicatedPeaks[rank]:F2})");
            Assert.True(rootGatheredPeaks[rank] < replicatedPeaks[rank], $"rank {rank}: the root-gathered sharded peak is not below the replicated one");
            Assert.True(shardedPeaks[rank] <= 0.6 * replicatedPeaks[rank],
                $"rank {rank}: sharded peak {shardedPeaks[rank] >> 20} MiB vs replicated {replicatedPeaks[rank] >> 20} MiB");
        }
    }

    private static long Before(WorkerRun run, int rank) =>
        long.Parse(run.Named("memory").Single(e => e.Rank == rank)["rssBefore"], CultureInfo.InvariantCulture);

    private static long[] Peaks(WorkerRun run) =>
        run.Named("memory").OrderBy(e => e.Rank).Select(e => long.Parse(e["peakRss"], CultureInfo.InvariantCulture)).ToArray();
}
