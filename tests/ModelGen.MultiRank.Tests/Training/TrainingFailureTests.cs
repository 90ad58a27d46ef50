using ModelGen.MultiRank.Tests.Launching;

namespace ModelGen.MultiRank.Tests.Training;

/// <summary>A rank that fails or dies while training ends every rank, with the same error, never a hang.</summary>
public sealed class TrainingFailureTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    [Theory]
    [InlineData("replicated")]
    [InlineData("sharded")]
    public async Task ARankWhoseLossThrowsEndsEveryRankWithTheSameError(string mode)
    {
        using var checkpoint = new TrainCheckpoint();

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["train", $"mode={mode}", $"checkpoint={checkpoint.CheckpointFolder}", "fail=1"], timeout: Bound);

        Assert.False(run.TimedOut, run.ToString());
        var failed = run.Named("train-failed");
        Assert.Equal([0, 1, 2], failed.Select(e => e.Rank));
        Assert.All(failed, e =>
        {
            Assert.Equal("2", e["step"]);
            Assert.Equal("1", e["failingRank"]);
            Assert.Contains("micro-batch 1 could not be read", e["message"], StringComparison.Ordinal);
        });
        Assert.Single(failed.Select(e => e["message"]).Distinct());
        // Step 1 completed on every rank; nobody trained past the failure.
        Assert.Equal(3, run.Named("step").Count);
        Assert.Empty(run.Named("trained"));
    }

    [Theory]
    [InlineData("replicated")]
    [InlineData("sharded")]
    public async Task ARankThatDiesInTheForwardPassEndsTheJob(string mode)
    {
        using var checkpoint = new TrainCheckpoint();

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["train", $"mode={mode}", $"checkpoint={checkpoint.CheckpointFolder}", "die=2"], timeout: Bound);

        Assert.False(run.TimedOut, run.ToString());
        Assert.NotEqual(0, run.ExitCode);
        Assert.Empty(run.Named("trained"));
    }

    [Fact]
    public async Task RanksTrainingDifferentTensorsFailTogetherBeforeAnyGradientMoves()
    {
        using var checkpoint = new TrainCheckpoint();

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["train", "mode=replicated", $"checkpoint={checkpoint.CheckpointFolder}", "freeze=2"], timeout: Bound);

        Assert.False(run.TimedOut, run.ToString());
        var failed = run.Named("train-failed");
        Assert.Equal([0, 1, 2], failed.Select(e => e.Rank));
        Assert.All(failed, e =>
        {
            Assert.Equal("0", e["step"]);
            Assert.Equal("2", e["failingRank"]);
            Assert.Contains("different set of trainable tensors than rank 0", e["message"], StringComparison.Ordinal);
        });
        Assert.Empty(run.Named("step"));
    }
}
