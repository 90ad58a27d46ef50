using System.Globalization;
using ModelGen.MultiRank.Tests.Launching;
using ModelGen.MultiRank.Tests.Loading;
using ModelGen.MultiRank.Worker.Scenarios;
using ModelGen.SafeTensors;
using ModelGen.Sharding;
using TorchSharp;

namespace ModelGen.MultiRank.Tests.Sharding;

/// <summary>
/// Fully sharded loading on 3 real MPI ranks: every rank holds and receives exactly its torch.chunk rows of each tensor,
/// the gathered model equals the file and a replicated load of it bit for bit (the missing tensor initialized alike),
/// the sharded forward pass computes the replicated logits, and every failure ends every rank the same way.
/// </summary>
public sealed class ShardedLoadTests
{
    private const int Ranks = WorkerLauncher.Ranks;

    [Theory]
    [InlineData("Auto", "yes", "peer-read")]
    [InlineData("Auto", "no", "peer-read")]
    [InlineData("PeerRead", "yes", "peer-read")]
    [InlineData("Broadcast", "yes", "scatter")]
    [InlineData("Broadcast", "no", "scatter")]
    public async Task EveryRankHoldsAndReceivesExactlyItsRowsAndTheGatheredModelIsTheReplicatedOne(string transport, string map, string used)
    {
        using var checkpoint = new RankTestCheckpoint();
        Task<WorkerRun> replicatedRun = WorkerLauncher.MpiRunAsync(["shard-load", $"checkpoint={checkpoint.Folder}", "placement=Replicated"]);
        WorkerRun sharded = await WorkerLauncher.MpiRunAsync(["shard-load", $"checkpoint={checkpoint.Folder}", $"transport={transport}", $"map={map}"]);
        WorkerRun replicated = await replicatedRun;
        Assert.True(sharded.ExitCode == 0, sharded.ToString());
        Assert.True(replicated.ExitCode == 0, replicated.ToString());

        using SafeTensorsCheckpoint file = SafeTensorsCheckpoint.Open(checkpoint.Folder);
        var shards = sharded.Named("shard");
        long[] expectedReceived = new long[Ranks];
        long[] expectedHeld = new long[Ranks];
        foreach (SafeTensorsEntry entry in file.Entries)
        {
            using torch.Tensor whole = file.Read(entry.Name);
            for (int rank = 0; rank < Ranks; rank++)
            {
                (long start, long count) = ShardMath.RowsOf(entry.Shape[0], Ranks, rank);
                var mine = Assert.Single(shards, e => e.Rank == rank && e["key"] == entry.Name);
                Assert.Equal(start.ToString(CultureInfo.InvariantCulture), mine["rowStart"]);
                Assert.Equal(count.ToString(CultureInfo.InvariantCulture), mine["rowCount"]);
                Assert.Equal(ShardMath.ChunkRows(entry.Shape[0], Ranks).ToString(CultureInfo.InvariantCulture), mine["chunkRows"]);
                Assert.Equal("True", mine["padZero"]);
                using torch.Tensor rows = whole.narrow(0, start, count);
                Assert.True(RankTestCheckpoint.Digest(rows) == mine["sha256"], $"rank {rank}: rows of '{entry.Name}' differ from the file");
                long bytes = rows.numel() * rows.element_size();
                expectedHeld[rank] += bytes;
                if (rank > 0) expectedReceived[rank] += bytes;
            }
        }

        // Gathered whole, every tensor is the file's and the replicated load's, the initialized one included.
        var replicatedWhole = replicated.Named("gathered").Where(e => e.Rank == 0).ToDictionary(e => e["key"], e => e["sha256"]);
        foreach (int rank in Enumerable.Range(0, Ranks))
        {
            var whole = sharded.Named("gathered").Where(e => e.Rank == rank).ToDictionary(e => e["key"], e => e["sha256"]);
            Assert.Equal(replicatedWhole.Keys.Order(), whole.Keys.Order());
            foreach (var (key, digest) in replicatedWhole)
                Assert.True(whole[key] == digest, $"rank {rank}: gathered '{key}' differs from the replicated load");
            foreach (var (key, digest) in checkpoint.Digests)
                Assert.Equal(digest, whole[key]);
        }

        string logits = Assert.Single(replicated.Named("forward").Select(e => e["sha256"]).Distinct());
        Assert.All(sharded.Named("forward"), e =>
        {
            Assert.Equal(logits, e["sha256"]);
            // Three blocks and the root gather; after the pass every member holds its own rows again.
            Assert.Equal("4", e["units"]);
            Assert.Equal("True", e["shardsRestored"]);
            Assert.True(long.Parse(e["peakGatheredBytes"], CultureInfo.InvariantCulture) > 0);
        });

        var loaded = sharded.Named("loaded");
        Assert.Equal([0, 1, 2], loaded.Select(e => e.Rank).Order());
        Assert.All(loaded, e =>
        {
            // The missing projection (32 x 32 float) is initialized on rank 0 and scattered like a loaded tensor.
            (long start, long count) = ShardMath.RowsOf(32, Ranks, e.Rank);
            long initBytes = count * 32 * sizeof(float);
            Assert.Equal("FullyShard", e["placement"]);
            Assert.Equal(used, e["transport"]);
            Assert.Equal(expectedReceived[e.Rank] + (e.Rank > 0 ? initBytes : 0), long.Parse(e["receivedBytes"], CultureInfo.InvariantCulture));
            Assert.Equal(expectedHeld[e.Rank] + initBytes, long.Parse(e["parameterBytes"], CultureInfo.InvariantCulture));
            Assert.Equal(e.Rank == 0 && map == "yes" ? expectedHeld[0] : 0, long.Parse(e["mappedBytes"], CultureInfo.InvariantCulture));
            Assert.Equal("extra.weight", e["initialized"]);
            Assert.Equal("0", e["initCallsOnLoaded"]);
            Assert.Equal("True", e["tiedShareStorage"]);
        });
    }

    [Fact]
    public async Task KeysDeclaredReplicatedStayWholeOnEveryRank()
    {
        using var checkpoint = new RankTestCheckpoint();

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["shard-load", $"checkpoint={checkpoint.Folder}", "replicated=blocks.*.up.*"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var shardedKeys = run.Named("shard").Select(e => e["key"]).ToHashSet();
        Assert.DoesNotContain("blocks.0.up.weight", shardedKeys);
        Assert.DoesNotContain("blocks.2.up.bias", shardedKeys);
        Assert.Contains("blocks.0.down.weight", shardedKeys);
        foreach (var e in run.Named("gathered").Where(e => e["key"] == "blocks.1.up.weight"))
            Assert.Equal(checkpoint.Digests["blocks.1.up.weight"], e["sha256"]);
    }

    [Fact]
    public async Task ATruncatedShardEndsEveryRankWithTheSameError()
    {
        using var checkpoint = new RankTestCheckpoint();
        string shard = checkpoint.CutLastShard();

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["shard-load", $"checkpoint={checkpoint.Folder}"]);

        LoadFailureAssertions.AssertSameFailureOnEveryRank(run, "SafeTensorsFormatException", Path.GetFileName(shard));
    }

    [Fact]
    public async Task AMissingShardFileEndsEveryRankWithTheSameError()
    {
        using var checkpoint = new RankTestCheckpoint();
        string shard = checkpoint.Written.ShardPaths[1];
        File.Delete(shard);

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["shard-load", $"checkpoint={checkpoint.Folder}", "transport=Broadcast"]);

        LoadFailureAssertions.AssertSameFailureOnEveryRank(run, "SafeTensorsIndexException", Path.GetFileName(shard));
    }

    [Fact]
    public async Task AShapeMismatchIsTheSameTypedErrorOnEveryRank()
    {
        using var checkpoint = new RankTestCheckpoint((key, tensor) => key == "blocks.1.up.weight" ? torch.zeros(7, 5) : tensor.detach());

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["shard-load", $"checkpoint={checkpoint.Folder}"]);

        LoadFailureAssertions.AssertSameFailureOnEveryRank(run, "CheckpointMismatchException", "'blocks.1.up.weight'");
    }

    [Theory]
    [InlineData("Auto")]
    [InlineData("Broadcast")]
    public async Task ARankThatDiesMidLoadEndsTheJobWithinSeconds(string transport)
    {
        using var checkpoint = new RankTestCheckpoint();

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["shard-load", $"checkpoint={checkpoint.Folder}", "die=1", $"transport={transport}"]);

        Assert.False(run.TimedOut, run.ToString());
        Assert.True(run.Elapsed < LoadFailureAssertions.Quickly, run.ToString());
        Assert.NotEqual(0, run.ExitCode);
        Assert.Empty(run.Named("loaded"));
    }
}
