using System.Text;
using ModelGen.MultiRank.Tests.Launching;

namespace ModelGen.MultiRank.Tests.Loading;

/// <summary>
/// Replicated loading on 2 simulated nodes x 2 ranks: the model crosses between the nodes once (rank 0 to node 1's
/// leader, rank 2), every other rank copies it from its own node's leader, and no rank ever reads the memory of a rank
/// on the other node; the per-node reader moves only what rank 0 initialized. Asserted through each rank's byte counts.
/// </summary>
public sealed class SimulatedNodeLoadTests
{
    [Theory]
    [InlineData("Auto", "yes")]
    [InlineData("Auto", "no")]
    [InlineData("PeerRead", "no")]
    public async Task TheModelCrossesOncePerNodeAndPeerReadsStayInsideEachNode(string transport, string map)
    {
        using var checkpoint = new RankTestCheckpoint();

        WorkerRun run = await SimulatedNodes.RunAsync("load", $"checkpoint={checkpoint.Folder}", $"transport={transport}", $"map={map}");

        Assert.True(run.ExitCode == 0, run.ToString());
        AssertFileBytesOnEveryRank(run, checkpoint);
        var loaded = run.Named("loaded");
        SimulatedNodes.AssertNodeFields(loaded);
        long model = SimulatedNodes.Long(loaded[0], "parameterBytes");
        Assert.All(loaded, e =>
        {
            Assert.Equal("broadcast+peer-read", e["transport"]);
            // Rank 2 leads node 1: the model reaches it over MPI from node 0, once; ranks 1 and 3 copy it from their leader.
            Assert.Equal(e.Rank == 2 ? model : 0, SimulatedNodes.Long(e, "mpiBytes"));
            Assert.Equal(e.Rank == 2 ? model : 0, SimulatedNodes.Long(e, "mpiFromOtherNodes"));
            Assert.Equal(e.Rank is 1 or 3 ? model : 0, SimulatedNodes.Long(e, "peerReadBytes"));
            Assert.Equal(e.Rank == 0 ? 0 : model, SimulatedNodes.Long(e, "receivedBytes"));
            Assert.Equal(e.Rank == 0 ? "True" : "False", e["readCheckpoint"]);
        });
        Assert.Equal(model, loaded.Sum(e => SimulatedNodes.Long(e, "mpiFromOtherNodes")));
    }

    [Fact]
    public async Task WithBroadcastEveryNodeBroadcastsInsideItselfAndTheModelStillCrossesOnce()
    {
        using var checkpoint = new RankTestCheckpoint();

        WorkerRun run = await SimulatedNodes.RunAsync("load", $"checkpoint={checkpoint.Folder}", "transport=Broadcast");

        Assert.True(run.ExitCode == 0, run.ToString());
        AssertFileBytesOnEveryRank(run, checkpoint);
        var loaded = run.Named("loaded");
        SimulatedNodes.AssertNodeFields(loaded);
        long model = SimulatedNodes.Long(loaded[0], "parameterBytes");
        Assert.All(loaded, e =>
        {
            Assert.Equal("broadcast+broadcast", e["transport"]);
            Assert.Equal(e.Rank == 0 ? 0 : model, SimulatedNodes.Long(e, "mpiBytes"));
            Assert.Equal(e.Rank == 2 ? model : 0, SimulatedNodes.Long(e, "mpiFromOtherNodes"));
            Assert.Equal(0, SimulatedNodes.Long(e, "peerReadBytes"));
        });
    }

    [Fact]
    public async Task WithAReaderOnEveryNodeOnlyTheInitializedTensorCrossesBetweenNodes()
    {
        using var checkpoint = new RankTestCheckpoint();
        using var copy = new CheckpointCopy(checkpoint.Folder);

        WorkerRun run = await SimulatedNodes.RunAsync("load", $"checkpoint={checkpoint.Folder}", $"copy={copy.Folder}", "everyNode=yes");

        Assert.True(run.ExitCode == 0, run.ToString());
        AssertFileBytesOnEveryRank(run, checkpoint);
        var loaded = run.Named("loaded");
        SimulatedNodes.AssertNodeFields(loaded);
        long model = SimulatedNodes.Long(loaded[0], "parameterBytes");
        const long initialized = 32 * 32 * sizeof(float); // extra.weight, which the checkpoint lacks
        Assert.All(loaded, e =>
        {
            Assert.Equal(e.Rank is 0 or 2 ? "True" : "False", e["readCheckpoint"]);
            Assert.Equal(e.Rank == 2 ? initialized : 0, SimulatedNodes.Long(e, "mpiFromOtherNodes"));
            Assert.Equal(e.Rank is 1 or 3 ? model : 0, SimulatedNodes.Long(e, "peerReadBytes"));
            // Rank 2 received only what rank 0 initialized; it read the rest from its own copy.
            Assert.Equal(e.Rank switch { 0 => 0, 2 => initialized, _ => model }, SimulatedNodes.Long(e, "receivedBytes"));
            // Initialized once, on rank 0, and sent: identical everywhere.
            Assert.Equal(e.Rank == 0 ? "1" : "0", e["extraInitCalls"]);
        });
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("header")]
    [InlineData("missing")]
    public async Task ANodeWhoseCopyDiffersEndsEveryRankWithOneErrorNamingTheNodeAndTheFile(string difference)
    {
        using var checkpoint = new RankTestCheckpoint();
        using var copy = new CheckpointCopy(checkpoint.Folder);
        string shard = Path.Combine(copy.Folder, Path.GetFileName(checkpoint.Written.ShardPaths[1]));
        switch (difference)
        {
            case "truncated":
                File.WriteAllBytes(shard, File.ReadAllBytes(shard)[..^16]);
                break;
            case "header":
                // Same length, still a valid file: one tensor's dtype reads I32 instead of F32.
                byte[] bytes = File.ReadAllBytes(shard);
                int at = Encoding.ASCII.GetString(bytes).IndexOf("\"F32\"", StringComparison.Ordinal);
                Assert.True(at > 0);
                bytes[at + 1] = (byte)'I';
                File.WriteAllBytes(shard, bytes);
                break;
            default:
                File.Delete(shard);
                break;
        }

        WorkerRun run = await SimulatedNodes.RunAsync("load", $"checkpoint={checkpoint.Folder}", $"copy={copy.Folder}", "everyNode=yes");

        LoadFailureAssertions.AssertSameFailureOnEveryRank(run, "DistributedLoadException", Path.GetFileName(shard), SimulatedNodes.Ranks);
        Assert.Contains("node 1 (rank 2)", run.Named("load-failed")[0]["message"]);
    }

    [Fact]
    public async Task AReaderOnEveryNodeAskedOnSomeRanksOnlyIsOneErrorOnEveryRank()
    {
        using var checkpoint = new RankTestCheckpoint();

        WorkerRun run = await SimulatedNodes.RunAsync("load", $"checkpoint={checkpoint.Folder}", "everyNodeOnRank=2");

        LoadFailureAssertions.AssertSameFailureOnEveryRank(run, "DistributedLoadException", "ReadOnEveryNode is set on some ranks but not on rank 0", SimulatedNodes.Ranks);
    }

    private static void AssertFileBytesOnEveryRank(WorkerRun run, RankTestCheckpoint checkpoint)
    {
        var tensors = run.Named("tensor");
        for (int rank = 0; rank < SimulatedNodes.Ranks; rank++)
        {
            var mine = tensors.Where(e => e.Rank == rank).ToDictionary(e => e["key"], e => e["sha256"]);
            foreach (var (key, digest) in checkpoint.Digests)
                Assert.True(mine[key] == digest, $"rank {rank}: '{key}' differs from the file");
            Assert.Equal(checkpoint.FrequenciesDigest, mine["frequencies"]);
        }
        Assert.Single(tensors.Where(e => e["key"] == "extra.weight").Select(e => e["sha256"]).Distinct());
    }

    /// <summary>A copy of a checkpoint folder, as another node's disk would hold it.</summary>
    internal sealed class CheckpointCopy : IDisposable
    {
        public CheckpointCopy(string source)
        {
            Directory.CreateDirectory(Folder);
            foreach (string file in Directory.GetFiles(source))
                File.Copy(file, Path.Combine(Folder, Path.GetFileName(file)));
        }

        public string Folder { get; } = Path.Combine(Path.GetTempPath(), "modelgen-node-copy-" + Guid.NewGuid().ToString("N"));

        public void Dispose()
        {
            try { Directory.Delete(Folder, recursive: true); }
            catch (IOException) { }
        }
    }
}
