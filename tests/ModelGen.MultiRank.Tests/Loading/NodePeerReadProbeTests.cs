using ModelGen.MultiRank.Tests.Launching;

namespace ModelGen.MultiRank.Tests.Loading;

/// <summary>
/// The peer-read probe runs per node: on 2 simulated nodes x 2 ranks, rank 3 runs in a process namespace of its own
/// (<c>unshare --pid</c>), so it cannot read its leader's memory. Node 1 then falls back to MPI inside itself, alone,
/// while node 0 keeps peer reads; a required peer read is one error on every rank naming the node and the rank.
/// Open MPI's own shared-memory single copy (which uses the same mechanism) is turned off for the job.
/// </summary>
public sealed class NodePeerReadProbeTests
{
    private static Task<WorkerRun> RunAsync(params string[] arguments) =>
        WorkerLauncher.MpiRunLastRankWrappedAsync(arguments, SimulatedNodes.Ranks, ["unshare", "--pid", "--fork"],
            ["--mca", "btl_vader_single_copy_mechanism", "none"], SimulatedNodes.TwoByTwo);

    [Theory]
    [InlineData("load", "broadcast")]
    [InlineData("shard-load", "scatter")]
    public async Task ANodeWhoseRanksCannotReadTheirLeaderFallsBackAlone(string scenario, string mpi)
    {
        using var checkpoint = new RankTestCheckpoint();

        WorkerRun run = await RunAsync(scenario, $"checkpoint={checkpoint.Folder}");

        Assert.True(run.ExitCode == 0, run.ToString());
        var loaded = run.Named("loaded");
        SimulatedNodes.AssertNodeFields(loaded);
        Assert.All(loaded, e =>
        {
            long held = SimulatedNodes.Long(e, "parameterBytes");
            Assert.Equal(e.Rank < 2 ? $"{mpi}+peer-read" : $"{mpi}+{mpi}", e["transport"]);
            // Rank 1 still reads rank 0's memory; rank 3 receives from its leader over MPI instead.
            Assert.Equal(e.Rank == 1 ? held : 0, SimulatedNodes.Long(e, "peerReadBytes"));
            if (e.Rank == 3)
            {
                Assert.Equal(held, SimulatedNodes.Long(e, "mpiBytes"));
                Assert.Equal(0, SimulatedNodes.Long(e, "mpiFromOtherNodes"));
            }
        });
        // Every rank holds the same model: its tensors (replicated) or its rows (sharded) match the file.
        foreach (var e in run.Named(scenario == "load" ? "tensor" : "gathered").Where(e => checkpoint.Digests.ContainsKey(e["key"])))
            Assert.Equal(checkpoint.Digests[e["key"]], e["sha256"]);
    }

    [Fact]
    public async Task ARequiredPeerReadThatOneNodeRefusesIsOneErrorOnEveryRank()
    {
        using var checkpoint = new RankTestCheckpoint();

        WorkerRun run = await RunAsync("load", $"checkpoint={checkpoint.Folder}", "transport=PeerRead");

        LoadFailureAssertions.AssertSameFailureOnEveryRank(run, "DistributedLoadException", "node 1 cannot use peer reads", SimulatedNodes.Ranks);
        Assert.Contains("rank 3", run.Named("load-failed")[0]["message"]);
    }
}
