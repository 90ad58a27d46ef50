using ModelGen.MultiRank.Tests.Launching;
using TorchSharp;

namespace ModelGen.MultiRank.Tests.Loading;

/// <summary>
/// The multi-rank failures, replicated ("load") and fully sharded ("shard-load"), on 2 simulated nodes x 2 ranks:
/// every rank, whichever node it is on, ends with the same error, quickly; a rank that dies ends the job.
/// </summary>
public sealed class SimulatedNodeFailureTests
{
    [Theory]
    [InlineData("load")]
    [InlineData("shard-load")]
    public async Task ATruncatedShardEndsEveryRankOnBothNodesWithTheSameError(string scenario)
    {
        using var checkpoint = new RankTestCheckpoint();
        string shard = checkpoint.Written.ShardPaths[^1];
        File.WriteAllBytes(shard, File.ReadAllBytes(shard)[..^16]);

        WorkerRun run = await SimulatedNodes.RunAsync(scenario, $"checkpoint={checkpoint.Folder}");

        LoadFailureAssertions.AssertSameFailureOnEveryRank(run, "SafeTensorsFormatException", Path.GetFileName(shard), SimulatedNodes.Ranks);
    }

    [Theory]
    [InlineData("load", "Auto")]
    [InlineData("shard-load", "Auto")]
    [InlineData("shard-load", "Broadcast")]
    public async Task AMissingShardFileEndsEveryRankOnBothNodesWithTheSameError(string scenario, string transport)
    {
        using var checkpoint = new RankTestCheckpoint();
        string shard = checkpoint.Written.ShardPaths[1];
        File.Delete(shard);

        WorkerRun run = await SimulatedNodes.RunAsync(scenario, $"checkpoint={checkpoint.Folder}", $"transport={transport}");

        LoadFailureAssertions.AssertSameFailureOnEveryRank(run, "SafeTensorsIndexException", Path.GetFileName(shard), SimulatedNodes.Ranks);
    }

    [Theory]
    [InlineData("load")]
    [InlineData("shard-load")]
    public async Task AShapeMismatchIsTheSameTypedErrorOnEveryRankOfBothNodes(string scenario)
    {
        using var checkpoint = new RankTestCheckpoint((key, tensor) => key == "blocks.1.up.weight" ? torch.zeros(7, 5) : tensor.detach());

        WorkerRun run = await SimulatedNodes.RunAsync(scenario, $"checkpoint={checkpoint.Folder}");

        LoadFailureAssertions.AssertSameFailureOnEveryRank(run, "CheckpointMismatchException", "'blocks.1.up.weight'", SimulatedNodes.Ranks);
    }

    [Theory]
    [InlineData("load", 2, "Auto")]
    [InlineData("load", 3, "Auto")]
    [InlineData("shard-load", 2, "Auto")]
    [InlineData("shard-load", 3, "Broadcast")]
    public async Task ARankOfTheOtherNodeThatDiesMidLoadEndsTheJobWithinSeconds(string scenario, int dying, string transport)
    {
        using var checkpoint = new RankTestCheckpoint();

        WorkerRun run = await SimulatedNodes.RunAsync(scenario, $"checkpoint={checkpoint.Folder}", $"die={dying}", $"transport={transport}");

        Assert.False(run.TimedOut, run.ToString());
        Assert.True(run.Elapsed < LoadFailureAssertions.Quickly, run.ToString());
        Assert.NotEqual(0, run.ExitCode);
        Assert.Empty(run.Named("loaded"));
    }
}
