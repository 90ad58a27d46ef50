using System.Globalization;
using ModelGen.MultiRank.Tests.Launching;

namespace ModelGen.MultiRank.Tests.Sharding;

/// <summary>
/// What a fully sharded load costs in resident memory on 3 real ranks, read from /proc: every rank, rank 0 included,
/// grows by its third of the model plus a bounded window, where a replicated load grows by the whole model.
/// </summary>
public sealed class ShardedMemoryTests : IDisposable
{
    private const long MiB = 1 << 20;
    private const long Model = WideTestCheckpoint.ModelBytes;
    private readonly WideTestCheckpoint _wide = new();

    public void Dispose() => _wide.Dispose();

    [Theory]
    [InlineData("yes")]
    [InlineData("no")]
    public async Task EveryRankGrowsByItsThirdPlusABoundedWindow(string map)
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["shard-memory", $"checkpoint={_wide.Folder}", $"map={map}"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var memory = run.Named("memory");
        Assert.Equal([0, 1, 2], memory.Select(e => e.Rank).Order());
        foreach (var e in memory)
        {
            long growth = Long(e["peak"]) - Long(e["rssBefore"]);
            Assert.Equal(Model / 3, Long(e["held"]));
            Assert.Equal(e.Rank == 0 ? 0 : Model / 3, Long(e["received"]));
            // The bound: P/3 + 160 MiB. A replicated load needs P (384 MiB) on every rank.
            Assert.True(growth <= Model / 3 + 160 * MiB, $"rank {e.Rank} grew by {growth / MiB} MiB holding {Model / 3 / MiB} MiB ({run})");
        }
    }

    [Fact]
    public async Task AReplicatedLoadGrowsByTheWholeModelOnEveryRank()
    {
        // The contrast that makes the bound above mean something: the same measurement sees the whole model.
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["shard-memory", $"checkpoint={_wide.Folder}", "placement=Replicated"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.All(run.Named("memory"), e => Assert.True(Long(e["peak"]) - Long(e["rssBefore"]) >= Model * 9 / 10, run.ToString()));
    }

    private static long Long(string text) => long.Parse(text, CultureInfo.InvariantCulture);
}
