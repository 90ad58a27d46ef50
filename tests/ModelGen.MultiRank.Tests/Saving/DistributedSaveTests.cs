using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.MultiRank.Tests.Launching;
using ModelGen.MultiRank.Tests.Loading;
using ModelGen.MultiRank.Worker.Loading;
using ModelGen.SafeTensors;
using ModelGen.Sharding;
using TorchSharp;

namespace ModelGen.MultiRank.Tests.Saving;

/// <summary>
/// Saving on 3 real MPI ranks, replicated and sharded: what rank 0 writes, loaded again in one process, is the original
/// checkpoint bit for bit (plus the tensor the checkpoint lacked, as the ranks held it); every failure ends every rank
/// with the same error and leaves no index and no temporary.
/// </summary>
public sealed class DistributedSaveTests : IDisposable
{
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(30);

    private readonly RankTestCheckpoint _checkpoint = new();
    private readonly string _out = Path.Combine(Path.GetTempPath(), "modelgen-rank-save-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _checkpoint.Dispose();
        try { Directory.Delete(_out, recursive: true); }
        catch (DirectoryNotFoundException) { }
        catch (IOException) { }
    }

    private Task<WorkerRun> Save(params string[] arguments) =>
        WorkerLauncher.MpiRunAsync(["save", $"checkpoint={_checkpoint.Folder}", $"out={_out}", .. arguments]);

    [Fact]
    public async Task AReplicatedModelSavedOn3RanksLoadsBackBitForBit()
    {
        WorkerRun run = await Save("placement=Replicated");

        var saved = AssertSavedOnEveryRank(run);
        Assert.All(saved, e => Assert.Equal("0", e["bytesReceived"]));
        Assert.All(saved, e => Assert.Equal("0", e["sharded"]));
        AssertRoundTrip(run);
        AssertShardsWithinLimit(16 << 10);
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("no")]
    public async Task AShardedModelSavedOn3RanksLoadsBackBitForBitThroughASmallWindow(string map)
    {
        // 136 bytes: pieces that start and end inside one rank's rows and pieces that span two ranks.
        WorkerRun run = await Save("placement=FullyShard", $"map={map}", "window=136");

        var saved = AssertSavedOnEveryRank(run);
        // Every written key is sharded: the embedding, 3 blocks of 4, the norm, the gate's weight [1, 32] and bias [1]
        // (one row: ranks 1 and 2 hold none of it) and the initialized projection.
        Assert.All(saved, e => Assert.Equal("17", e["sharded"]));
        Assert.All(saved, e => Assert.Equal(e.Rank == 0 ? "136" : "0", e["window"]));
        Assert.Equal(ExpectedReceivedByRank0(), long.Parse(saved[0]["bytesReceived"], CultureInfo.InvariantCulture));
        Assert.All(saved.Skip(1), e => Assert.Equal("0", e["bytesReceived"]));
        // Each rank held about a third of the model (the last rank's chunks are a little shorter).
        long total = long.Parse(saved[0]["totalBytes"], CultureInfo.InvariantCulture);
        Assert.All(saved, e => Assert.InRange(long.Parse(e["heldBytes"], CultureInfo.InvariantCulture), total / 3 - total / 20, total / 3 + total / 20));
        AssertRoundTrip(run);
        AssertShardsWithinLimit(16 << 10);
    }

    [Fact]
    public async Task AShardedModelWithAKeyKeptWholeWritesThatKeyFromRank0()
    {
        WorkerRun run = await Save("placement=FullyShard", "replicated=norm.weight", "window=136");

        var saved = AssertSavedOnEveryRank(run);
        Assert.All(saved, e => Assert.Equal("16", e["sharded"]));
        Assert.Equal(ExpectedReceivedByRank0(whole: "norm.weight"), long.Parse(saved[0]["bytesReceived"], CultureInfo.InvariantCulture));
        AssertRoundTrip(run);
    }

    [Fact]
    public async Task ARankFailingMidSaveEndsEveryRankWithTheSameErrorAndLeavesNoFiles()
    {
        WorkerRun run = await Save("placement=FullyShard", "window=136", "fail=1:Piece");

        var failed = AssertSameFailureOnEveryRank(run, "injected failure on rank 1 at Piece of model-00001-of-");
        Assert.All(failed, e => Assert.Equal("1", e["failingRank"]));
        AssertNoCheckpointLeft();
    }

    [Fact]
    public async Task Rank0FailingToWriteAShardEndsEveryRankWithTheSameErrorNamingTheFile()
    {
        WorkerRun run = await Save("placement=Replicated", "fail=0:ShardWritten");

        var failed = AssertSameFailureOnEveryRank(run, "at ShardWritten of model-00001-of-");
        Assert.All(failed, e => Assert.Equal("0", e["failingRank"]));
        AssertNoCheckpointLeft();
    }

    [Fact]
    public async Task AFolderHoldingACheckpointIsRefusedOnEveryRank()
    {
        var before = Directory.GetFiles(_checkpoint.Folder).ToDictionary(f => f, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["save", $"checkpoint={_checkpoint.Folder}", $"out={_checkpoint.Folder}", "placement=FullyShard"]);

        AssertSameFailureOnEveryRank(run, "already holds a checkpoint");
        Assert.Equal(before, Directory.GetFiles(_checkpoint.Folder).ToDictionary(f => f, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))));
    }

    [Fact]
    public async Task RanksPlanningDifferentFilesAreTheSameErrorOnEveryRank()
    {
        WorkerRun run = await Save("placement=Replicated", "skew=2");

        AssertSameFailureOnEveryRank(run, "every rank must save the same model");
        Assert.False(Directory.Exists(_out) && Directory.EnumerateFileSystemEntries(_out).Any());
    }

    [Fact]
    public async Task ARankThatDiesMidSaveEndsTheJobWithinSecondsWithoutAnIndex()
    {
        WorkerRun run = await Save("placement=FullyShard", "window=136", "die=2");

        Assert.False(run.TimedOut, run.ToString());
        Assert.True(run.Elapsed < Quickly, run.ToString());
        Assert.NotEqual(0, run.ExitCode);
        Assert.Empty(run.Named("saved"));
        Assert.False(File.Exists(Path.Combine(_out, SafeTensorsCheckpoint.IndexFileName)));
        Assert.DoesNotContain(Directory.Exists(_out) ? Directory.GetFiles(_out) : [], f => f.EndsWith(".safetensors", StringComparison.Ordinal));
    }

    private static List<WorkerEvent> AssertSavedOnEveryRank(WorkerRun run)
    {
        Assert.True(run.ExitCode == 0, run.ToString());
        var saved = run.Named("saved").ToList();
        Assert.True(saved.Select(e => e.Rank).SequenceEqual([0, 1, 2]), run.ToString());
        Assert.Single(saved.Select(e => e["files"]).Distinct());
        Assert.All(saved, e =>
        {
            Assert.Equal("head.weight", e["tied"]);
            Assert.Equal("frequencies", e["computed"]);
        });
        return saved;
    }

    /// <summary>Loads the saved folder in this process and compares every tensor with the file and with what the ranks held.</summary>
    private void AssertRoundTrip(WorkerRun run)
    {
        var held = run.Named("tensor").Where(e => e.Rank == 0).ToDictionary(e => e["key"], e => e["sha256"]);
        var model = MetaConstruction.Build(() => new RankTestModel());
        using (IProcessGroup single = ProcessGroups.Single())
            ShardedLoader.Load(model, _out, new LoadOptions { ProcessGroup = single, InitializeMissing = false });
        var reloaded = model.state_dict().ToDictionary(p => p.Key, p => RankTestCheckpoint.Digest(p.Value));

        foreach (var (key, digest) in _checkpoint.Digests)
            Assert.True(reloaded[key] == digest, $"'{key}' differs from the original checkpoint");
        Assert.Equal(held, reloaded);

        using JsonDocument index = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out, SafeTensorsCheckpoint.IndexFileName)));
        var keys = index.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(_checkpoint.Digests.Keys.Append("extra.weight").Order(StringComparer.Ordinal), keys);
        Assert.DoesNotContain(Directory.GetFiles(_out), f => f.EndsWith(".saving", StringComparison.Ordinal));
    }

    private void AssertShardsWithinLimit(long limit)
    {
        string[] shards = Directory.GetFiles(_out, "model-*.safetensors");
        Assert.True(shards.Length > 1, $"expected several shards, got {shards.Length}");
        foreach (string shard in shards)
        {
            using SafeTensorsFile file = SafeTensorsFile.Open(shard);
            long data = file.Entries.Sum(e => e.ByteLength);
            Assert.True(data <= limit || file.Entries.Count == 1, $"{shard}: {data} bytes in {file.Entries.Count} tensors");
        }
    }

    /// <summary>Every sharded tensor's rows outside rank 0's chunk: what rank 0 must have received.</summary>
    private long ExpectedReceivedByRank0(string? whole = null)
    {
        using SafeTensorsCheckpoint saved = SafeTensorsCheckpoint.Open(_out);
        return saved.Entries.Where(e => e.Name != whole).Sum(e =>
        {
            long rows = e.Shape[0];
            long rowBytes = e.ByteLength / rows;
            return (rows - ShardMath.RowsOf(rows, WorkerLauncher.Ranks, 0).Count) * rowBytes;
        });
    }

    private void AssertNoCheckpointLeft()
    {
        Assert.True(Directory.Exists(_out));
        Assert.Empty(Directory.GetFiles(_out));
    }

    private static List<WorkerEvent> AssertSameFailureOnEveryRank(WorkerRun run, string mentioned)
    {
        Assert.False(run.TimedOut, run.ToString());
        Assert.True(run.Elapsed < Quickly, run.ToString());
        var failed = run.Named("save-failed").ToList();
        Assert.True(failed.Select(e => e.Rank).SequenceEqual([0, 1, 2]), run.ToString());
        Assert.All(failed, e => Assert.Equal(nameof(DistributedLoadException), e["type"]));
        string message = Assert.Single(failed.Select(e => e["message"]).Distinct());
        Assert.Contains(mentioned, message);
        Assert.Empty(run.Named("saved"));
        return failed;
    }
}
