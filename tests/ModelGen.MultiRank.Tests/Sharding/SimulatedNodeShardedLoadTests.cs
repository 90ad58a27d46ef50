using System.Globalization;
using ModelGen.MultiRank.Tests.Launching;
using ModelGen.MultiRank.Tests.Loading;
using ModelGen.SafeTensors;
using ModelGen.Sharding;
using TorchSharp;

namespace ModelGen.MultiRank.Tests.Sharding;

/// <summary>
/// Fully sharded loading on 2 simulated nodes x 2 ranks: rank 0 scatters to node 1's leader (rank 2) the rows of
/// node 1's ranks and nothing else, every rank ends with exactly its torch.chunk rows, and the ranks of each node take
/// theirs from their own leader, never from a rank of the other node. Asserted through each rank's byte counts.
/// </summary>
public sealed class SimulatedNodeShardedLoadTests
{
    private const int Ranks = SimulatedNodes.Ranks;

    [Theory]
    [InlineData("Auto")]
    [InlineData("Broadcast")]
    public async Task WithAReaderOnEveryNodeOnlyTheInitializedRowsCrossBetweenNodes(string transport)
    {
        using var checkpoint = new RankTestCheckpoint();
        using var copy = new SimulatedNodeLoadTests.CheckpointCopy(checkpoint.Folder);

        WorkerRun run = await SimulatedNodes.RunAsync("shard-load", $"checkpoint={checkpoint.Folder}", $"copy={copy.Folder}", "everyNode=yes", $"transport={transport}");

        Assert.True(run.ExitCode == 0, run.ToString());
        using SafeTensorsCheckpoint file = SafeTensorsCheckpoint.Open(checkpoint.Folder);
        foreach (SafeTensorsEntry entry in file.Entries)
        {
            using torch.Tensor whole = file.Read(entry.Name);
            for (int rank = 0; rank < Ranks; rank++)
            {
                (long start, long count) = ShardMath.RowsOf(entry.Shape[0], Ranks, rank);
                using torch.Tensor rows = whole.narrow(0, start, count);
                var mine = Assert.Single(run.Named("shard"), e => e.Rank == rank && e["key"] == entry.Name);
                Assert.True(RankTestCheckpoint.Digest(rows) == mine["sha256"], $"rank {rank}: rows of '{entry.Name}' differ from the file");
            }
        }
        var loaded = run.Named("loaded");
        SimulatedNodes.AssertNodeFields(loaded);
        // Of the projection the checkpoint lacks (32 x 32 float, initialized on rank 0), node 1's rows cross; nothing else does.
        long InitRows(int rank) => ShardMath.RowsOf(32, Ranks, rank).Count * 32 * sizeof(float);
        bool peerReads = transport == "Auto";
        Assert.All(loaded, e =>
        {
            long held = SimulatedNodes.Long(e, "parameterBytes");
            Assert.Equal(e.Rank is 0 or 2 ? "True" : "False", e["readCheckpoint"]);
            Assert.Equal(e.Rank == 2 ? InitRows(2) + InitRows(3) : 0, SimulatedNodes.Long(e, "mpiFromOtherNodes"));
            Assert.Equal(e.Rank is 1 or 3 && peerReads ? held : 0, SimulatedNodes.Long(e, "peerReadBytes"));
            Assert.Equal(e.Rank switch { 0 => 0, 2 => InitRows(2), _ => held }, SimulatedNodes.Long(e, "receivedBytes"));
        });
    }

    [Theory]
    [InlineData("Auto", "yes", "scatter+peer-read")]
    [InlineData("Auto", "no", "scatter+peer-read")]
    [InlineData("PeerRead", "yes", "scatter+peer-read")]
    [InlineData("Broadcast", "yes", "scatter+scatter")]
    [InlineData("Broadcast", "no", "scatter+scatter")]
    public async Task EachNodeReceivesItsRanksRowsOnceAndEveryRankHoldsExactlyItsOwn(string transport, string map, string used)
    {
        using var checkpoint = new RankTestCheckpoint();

        WorkerRun run = await SimulatedNodes.RunAsync("shard-load", $"checkpoint={checkpoint.Folder}", $"transport={transport}", $"map={map}");

        Assert.True(run.ExitCode == 0, run.ToString());
        using SafeTensorsCheckpoint file = SafeTensorsCheckpoint.Open(checkpoint.Folder);
        var shards = run.Named("shard");
        long[] held = new long[Ranks];
        foreach (SafeTensorsEntry entry in file.Entries)
        {
            using torch.Tensor whole = file.Read(entry.Name);
            for (int rank = 0; rank < Ranks; rank++)
            {
                (long start, long count) = ShardMath.RowsOf(entry.Shape[0], Ranks, rank);
                var mine = Assert.Single(shards, e => e.Rank == rank && e["key"] == entry.Name);
                Assert.Equal(start.ToString(CultureInfo.InvariantCulture), mine["rowStart"]);
                using torch.Tensor rows = whole.narrow(0, start, count);
                Assert.True(RankTestCheckpoint.Digest(rows) == mine["sha256"], $"rank {rank}: rows of '{entry.Name}' differ from the file");
                held[rank] += rows.numel() * rows.element_size();
            }
        }
        // The projection the checkpoint lacks (32 x 32 float) is initialized on rank 0 and moves like a loaded tensor.
        for (int rank = 0; rank < Ranks; rank++)
            held[rank] += ShardMath.RowsOf(32, Ranks, rank).Count * 32 * sizeof(float);

        foreach (var e in run.Named("gathered").Where(e => checkpoint.Digests.ContainsKey(e["key"])))
            Assert.Equal(checkpoint.Digests[e["key"]], e["sha256"]);

        var loaded = run.Named("loaded");
        SimulatedNodes.AssertNodeFields(loaded);
        bool peerReads = used.EndsWith("peer-read", StringComparison.Ordinal);
        Assert.All(loaded, e =>
        {
            Assert.Equal(used, e["transport"]);
            Assert.Equal(held[e.Rank], SimulatedNodes.Long(e, "parameterBytes"));
            Assert.Equal(e.Rank == 0 ? 0 : held[e.Rank], SimulatedNodes.Long(e, "receivedBytes"));
            // Only node 1's leader receives from the other node: its own rows and rank 3's, which rank 3 then takes from it.
            Assert.Equal(e.Rank == 2 ? held[2] + held[3] : 0, SimulatedNodes.Long(e, "mpiFromOtherNodes"));
            long insideNode = e.Rank is 1 or 3 ? held[e.Rank] : 0;
            Assert.Equal(peerReads ? insideNode : 0, SimulatedNodes.Long(e, "peerReadBytes"));
            Assert.Equal(SimulatedNodes.Long(e, "mpiFromOtherNodes") + (peerReads ? 0 : insideNode), SimulatedNodes.Long(e, "mpiBytes"));
        });
    }
}
