using System.Globalization;
using ModelGen.MultiRank.Tests.Launching;
using ModelGen.MultiRank.Tests.Loading;

namespace ModelGen.MultiRank.Tests.Sharding;

/// <summary>
/// <c>ShardedLoader.ConstructAndLoad</c> on 3 real MPI ranks: building and loading in one call (rank 0 opening the
/// checkpoint while the ranks build) gives every rank exactly what building and then loading gives, and a rank that
/// cannot build its model, or a broken checkpoint, ends every rank with the same error.
/// </summary>
public sealed class ConstructAndLoadTests
{
    [Theory]
    [InlineData("FullyShard")]
    [InlineData("Replicated")]
    public async Task EveryRankHoldsWhatBuildingThenLoadingGives(string placement)
    {
        using var checkpoint = new RankTestCheckpoint();
        WorkerRun separate = await WorkerLauncher.MpiRunAsync(["shard-load", $"checkpoint={checkpoint.Folder}", $"placement={placement}"]);
        WorkerRun together = await WorkerLauncher.MpiRunAsync(["shard-load", $"checkpoint={checkpoint.Folder}", $"placement={placement}", "construct=yes"]);
        Assert.True(together.ExitCode == 0, together.ToString());
        Assert.True(separate.ExitCode == 0, separate.ToString());

        static string[] Lines(WorkerRun run, string name) =>
            run.Named(name).Select(e => $"{e.Rank} {string.Join(" ", e.Fields.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={f.Value}"))}").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Lines(separate, "shard"), Lines(together, "shard"));
        Assert.Equal(Lines(separate, "gathered"), Lines(together, "gathered"));
        Assert.Equal(Lines(separate, "forward"), Lines(together, "forward"));
        foreach (var (key, digest) in checkpoint.Digests)
            Assert.All(together.Named("gathered").Where(e => e["key"] == key), e => Assert.Equal(digest, e["sha256"]));

        var constructed = together.Named("constructed");
        Assert.Equal([0, 1, 2], constructed.Select(e => e.Rank).Order());
        Assert.All(constructed, e => Assert.True(double.Parse(e["seconds"], CultureInfo.InvariantCulture) > 0, e.ToString()));
        Assert.All(together.Named("loaded"), e => Assert.Equal("0", e["initCallsOnLoaded"]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    public async Task AModelThatCannotBeBuiltOnOneRankEndsEveryRankWithThatRanksError(int failingRank)
    {
        using var checkpoint = new RankTestCheckpoint();

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["shard-load", $"checkpoint={checkpoint.Folder}", "construct=yes", $"failBuild={failingRank}"]);

        LoadFailureAssertions.AssertSameFailureOnEveryRank(run, "DistributedLoadException", $"the model of rank {failingRank} cannot be built");
        Assert.All(run.Named("load-failed"), e => Assert.Contains($"rank {failingRank}", e["message"]));
    }

    [Fact]
    public async Task AFactoryReturningNullOnOneRankEndsEveryRankWithThatRanksError()
    {
        using var checkpoint = new RankTestCheckpoint();

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["shard-load", $"checkpoint={checkpoint.Folder}", "construct=yes", "nullBuild=2"]);

        LoadFailureAssertions.AssertSameFailureOnEveryRank(run, "DistributedLoadException", "The model factory returned null on rank 2.");
    }

    [Fact]
    public async Task ASecondLoadInTheSameJobFindsTheNodesKnownAndReceivesTheSameRows()
    {
        using var checkpoint = new RankTestCheckpoint();

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["shard-load", $"checkpoint={checkpoint.Folder}", "construct=yes", "again=yes"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var first = run.Named("loaded").ToDictionary(e => e.Rank, e => e["receivedBytes"]);
        var again = run.Named("loaded-again");
        Assert.Equal([0, 1, 2], again.Select(e => e.Rank).Order());
        Assert.All(again, e =>
        {
            Assert.Equal(first[e.Rank], e["receivedBytes"]);
            Assert.Equal("1", e["nodes"]);
            Assert.Equal("True", e["sameRows"]);
        });
    }

    [Fact]
    public async Task ATruncatedShardFoundWhileTheRanksBuildEndsEveryRankWithTheSameError()
    {
        using var checkpoint = new RankTestCheckpoint();
        string shard = checkpoint.CutLastShard();

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["shard-load", $"checkpoint={checkpoint.Folder}", "construct=yes"]);

        LoadFailureAssertions.AssertSameFailureOnEveryRank(run, "SafeTensorsFormatException", Path.GetFileName(shard));
    }
}
