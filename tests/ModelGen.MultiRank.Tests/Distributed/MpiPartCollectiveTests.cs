using ModelGen.MultiRank.Tests.Launching;

namespace ModelGen.MultiRank.Tests.Distributed;

/// <summary>ScatterNative and GatherNative of uneven raw byte parts across a real 3-rank Open MPI job.</summary>
public class MpiPartCollectiveTests
{
    [Theory]
    [InlineData("5,0,70000", 0, 0)]
    [InlineData("70000,13,0", 2, 0)]
    // 70,000 bytes in pieces of 4,093 bytes: 18 messages, the last one short.
    [InlineData("5,0,70000", 1, 4093)]
    public async Task EveryRankReceivesExactlyItsPartAndTheRootGathersThemBackInPlace(string counts, int root, int chunk)
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["parts", $"counts={counts}", $"root={root}", $"chunk={chunk}"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        IReadOnlyList<WorkerEvent> parts = run.Named("parts");
        Assert.Equal([0, 1, 2], parts.Select(e => e.Rank));
        string[] expectedCounts = counts.Split(',');
        Assert.All(parts, e =>
        {
            Assert.Equal(expectedCounts[e.Rank], e["count"]);
            Assert.Equal("True", e["scattered"]);
            Assert.Equal(e.Rank == root ? "True" : "not-root", e["gathered"]);
        });
    }

    [Fact]
    public async Task ARankWhoseCountDiffersFromTheRootsIsRefusedOnEveryRankBeforeDataMoves()
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["parts", "counts=5,0,70000", "lie=2"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        IReadOnlyList<WorkerEvent> refused = run.Named("parts-refused");
        Assert.Equal([0, 1, 2], refused.Select(e => e.Rank));
        Assert.Contains("rank_2_passed_receiveBytes_=_70001,_but_the_root's_byteCounts[2]_is_70000", refused[2]["message"]);
        Assert.Contains("rank_2's_receiveBytes_does_not_equal_the_root's_byteCounts[2]", refused[0]["message"]);
        Assert.Equal(refused[0]["message"], refused[1]["message"]);
        Assert.Empty(run.Named("parts"));
    }

    [Fact]
    public async Task BadCountsOnTheRootAreRefusedOnEveryRank()
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["parts", "counts=5,0,70000", "root=2", "short=yes"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        IReadOnlyList<WorkerEvent> refused = run.Named("parts-refused");
        Assert.Equal([0, 1, 2], refused.Select(e => e.Rank));
        Assert.Contains("the_root's_byteCounts_has_2_entries;_the_group_has_3_ranks", refused[2]["message"]);
        Assert.All(refused.Take(2), e => Assert.Contains("the_root_(rank_2)_refused_its_byteCounts/byteOffsets", e["message"]));
    }
}
