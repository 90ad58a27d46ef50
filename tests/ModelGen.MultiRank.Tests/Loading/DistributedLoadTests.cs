using ModelGen.MultiRank.Tests.Launching;
using ModelGen.MultiRank.Worker.Scenarios;
using TorchSharp;

namespace ModelGen.MultiRank.Tests.Loading;

/// <summary>
/// The loader on 3 real MPI ranks: rank 0 reads, the others receive; every rank ends with the file's exact bytes,
/// the same initialized values, shared tied storage and computed buffers; every failure ends every rank the same way.
/// </summary>
public sealed class DistributedLoadTests
{

    [Theory]
    [InlineData("Auto", "yes", "peer-read")]
    [InlineData("Auto", "no", "peer-read")]
    [InlineData("PeerRead", "no", "peer-read")]
    [InlineData("Broadcast", "yes", "broadcast")]
    [InlineData("Broadcast", "no", "broadcast")]
    public async Task EveryRankEndsWithTheFileBytesAndTheSameInitializedValues(string transport, string map, string used)
    {
        using var checkpoint = new RankTestCheckpoint();

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["load", $"checkpoint={checkpoint.Folder}", $"transport={transport}", $"map={map}"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var tensors = run.Named("tensor");
        foreach (int rank in new[] { 0, 1, 2 })
        {
            var mine = tensors.Where(e => e.Rank == rank).ToDictionary(e => e["key"], e => e["sha256"]);
            foreach (var (key, digest) in checkpoint.Digests)
                Assert.True(mine[key] == digest, $"rank {rank}: '{key}' differs from the file");
            Assert.Equal(mine["embed.weight"], mine["head.weight"]);
            Assert.Equal(checkpoint.FrequenciesDigest, mine["frequencies"]);
        }
        Assert.All(tensors, e => Assert.Equal("CPU", e["device"]));
        // The projection the checkpoint lacks: initialized once (on rank 0) and identical everywhere.
        Assert.Single(tensors.Where(e => e["key"] == "extra.weight").Select(e => e["sha256"]).Distinct());

        var loaded = run.Named("loaded");
        Assert.Equal([0, 1, 2], loaded.Select(e => e.Rank).Order());
        Assert.All(loaded, e =>
        {
            Assert.Equal(checkpoint.Digests.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), e["keys"]);
            Assert.Equal("extra.weight", e["initialized"]);
            Assert.Equal("head.weight", e["tied"]);
            Assert.Equal("frequencies", e["computed"]);
            Assert.Equal("0", e["initCallsOnLoaded"]);
            Assert.Equal("True", e["tiedShareStorage"]);
            Assert.Equal(e.Rank == 0 ? "1" : "0", e["extraInitCalls"]);
            // Ranks of one machine may read rank 0's memory, so Auto picks peer reads here.
            Assert.Equal(used, e["transport"]);
            // Only rank 0 maps, and then every loaded tensor (all are aligned and in the file's dtype).
            Assert.Equal(e.Rank == 0 && map == "yes" ? checkpoint.LoadedBytes : 0, long.Parse(e["mappedBytes"], System.Globalization.CultureInfo.InvariantCulture));
        });
    }

    [Fact]
    public async Task ATruncatedShardEndsEveryRankWithTheSameError()
    {
        using var checkpoint = new RankTestCheckpoint();
        string shard = checkpoint.CutLastShard();

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["load", $"checkpoint={checkpoint.Folder}"]);

        // The checkpoint error itself, rebuilt on every rank: catch (SafeTensorsException) works on any rank.
        LoadFailureAssertions.AssertSameFailureOnEveryRank(run, "SafeTensorsFormatException", Path.GetFileName(shard));
        Assert.All(run.Named("load-failed"), e =>
        {
            Assert.Equal("FileLengthMismatch", e["rule"]);
            Assert.Equal(shard, e["file"]);
        });
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("no")]
    public async Task AShardChangedDuringTheLoadEndsEveryRankWithTheSameTypedError(string map)
    {
        using var checkpoint = new RankTestCheckpoint();
        string shard = checkpoint.Written.ShardPaths[0];

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["load", $"checkpoint={checkpoint.Folder}", $"map={map}", $"grow={shard}"]);

        LoadFailureAssertions.AssertSameFailureOnEveryRank(run, "SafeTensorsFormatException", Path.GetFileName(shard));
        Assert.All(run.Named("load-failed"), e =>
        {
            Assert.Equal("FileChanged", e["rule"]);
            Assert.Equal(shard, e["file"]);
        });
    }

    [Fact]
    public async Task AMissingShardFileEndsEveryRankWithTheSameError()
    {
        using var checkpoint = new RankTestCheckpoint();
        string shard = checkpoint.Written.ShardPaths[1];
        File.Delete(shard);

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["load", $"checkpoint={checkpoint.Folder}"]);

        LoadFailureAssertions.AssertSameFailureOnEveryRank(run, "SafeTensorsIndexException", Path.GetFileName(shard));
        Assert.All(run.Named("load-failed"), e =>
        {
            Assert.Equal("ShardFileMissing", e["rule"]);
            Assert.Equal(shard, e["file"]);
        });
    }

    [Fact]
    public async Task AShapeMismatchIsTheSameTypedErrorOnEveryRankBeforeAnythingMoves()
    {
        using var checkpoint = new RankTestCheckpoint((key, tensor) =>
            key == "blocks.1.up.weight" ? torch.zeros(7, 5) : tensor.detach());

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["load", $"checkpoint={checkpoint.Folder}"]);

        LoadFailureAssertions.AssertSameFailureOnEveryRank(run, "CheckpointMismatchException", "'blocks.1.up.weight'");
        Assert.Contains("[7, 5]", run.Named("load-failed")[0]["message"]);
    }

    [Fact]
    public async Task AModelWithMoreLayersThanItsCheckpointFailsOnEveryRankListingEveryMissingKey()
    {
        // The checkpoint of a 2-block model for the 3-block one: nothing of blocks.2 may be silently initialized.
        using var checkpoint = new RankTestCheckpoint(drop: key => key.StartsWith("blocks.2.", StringComparison.Ordinal));
        Assert.NotEmpty(checkpoint.Dropped);

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["load", $"checkpoint={checkpoint.Folder}"]);

        LoadFailureAssertions.AssertSameFailureOnEveryRank(run, "CheckpointMismatchException", "MissingKeys is Refuse");
        string message = run.Named("load-failed")[0]["message"];
        Assert.All(checkpoint.Dropped, key => Assert.Contains($"'{key}'", message));
        Assert.All(run.Named("load-failed"), e => Assert.Equal(checkpoint.Dropped, e["missing"].Split(',').Order(StringComparer.Ordinal)));
        // The tensor declared new with [Initializer] is not among them.
        Assert.DoesNotContain("'extra.weight'", message);
    }

    [Fact]
    public async Task ATiedKeyWhoseCheckpointCopyDiffersFailsOnEveryRankNamingBothKeys()
    {
        using var checkpoint = new RankTestCheckpoint(headCopy: embed => embed.detach() + 1);

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["load", $"checkpoint={checkpoint.Folder}"]);

        LoadFailureAssertions.AssertSameFailureOnEveryRank(run, "CheckpointMismatchException", "'head.weight' (");
        string message = run.Named("load-failed")[0]["message"];
        Assert.Contains("'embed.weight' (", message);
        Assert.Contains("two different tensors", message);
    }

    [Fact]
    public async Task ATiedKeyWhoseCheckpointCopyIsIdenticalLoadsTiedOnEveryRank()
    {
        using var checkpoint = new RankTestCheckpoint(headCopy: embed => embed.detach().clone());

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["load", $"checkpoint={checkpoint.Folder}"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var loaded = run.Named("loaded");
        Assert.Equal([0, 1, 2], loaded.Select(e => e.Rank).Order());
        Assert.All(loaded, e =>
        {
            Assert.Equal("head.weight", e["identicalTied"]);
            Assert.Equal("True", e["tiedShareStorage"]);
        });
    }

    [Fact]
    public async Task ARankThatDiesMidLoadEndsTheJobWithinSeconds()
    {
        using var checkpoint = new RankTestCheckpoint();

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["load", $"checkpoint={checkpoint.Folder}", "die=1"]);

        Assert.False(run.TimedOut, run.ToString());
        Assert.True(run.Elapsed < LoadFailureAssertions.Quickly, run.ToString());
        Assert.NotEqual(0, run.ExitCode);
        Assert.Empty(run.Named("loaded"));
    }
}
