using System.Text.Json;
using ModelGen.MultiRank.Tests.Launching;
using ModelGen.MultiRank.Tests.Loading;

namespace ModelGen.MultiRank.Tests.Examples;

/// <summary>
/// The Llama example on 2 simulated nodes x 2 ranks: its JSON report gives every rank's node, leader and bytes by
/// route, and they add up to the arithmetic (replicated: the model crosses once, to node 1's leader; fully sharded:
/// node 1's ranks' rows cross once), with the same logits on every rank.
/// </summary>
public sealed class ExampleOnSimulatedNodesTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "modelgen-example-nodes-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheReportGivesEachRanksNodeLeaderAndBytesByRoute(bool shard)
    {
        string dll = ExampleProgramTests.ExampleDll("ModelGen.Examples.Llama");
        // The checkpoint is written by a run of its own, so that the job on the simulated nodes only loads it.
        WorkerRun create = await WorkerLauncher.ProgramAsync(dll, ["--checkpoint", _folder, "--create-random", "--size-mib", "24", "--no-forward"], ranks: 0, Bound);
        Assert.True(create.ExitCode == 0, create.ToString());

        string[] arguments = ["--checkpoint", _folder, "--json", .. shard ? new[] { "--shard" } : []];
        WorkerRun job = await WorkerLauncher.ProgramAsync(dll, arguments, SimulatedNodes.Ranks, Bound, SimulatedNodes.TwoByTwo);

        Assert.True(job.ExitCode == 0, job.ToString());
        var reports = ExampleProgramTests.Reports(job).OrderBy(r => r.GetProperty("rank").GetInt32()).ToList();
        Assert.Equal([0, 1, 2, 3], reports.Select(r => r.GetProperty("rank").GetInt32()));
        Assert.Single(reports.Select(r => r.GetProperty("logits_checksum").GetString()).Distinct());
        long[] held = reports.Select(r => r.GetProperty("param_bytes").GetInt64()).ToArray();
        foreach (JsonElement report in reports)
        {
            int rank = report.GetProperty("rank").GetInt32();
            Assert.Equal(SimulatedNodes.NodeOfRank[rank], report.GetProperty("node").GetInt32());
            Assert.Equal(2, report.GetProperty("nodes").GetInt32());
            Assert.Equal(SimulatedNodes.LeaderOfRank[rank], report.GetProperty("node_leader").GetInt32());
            long fromOtherNodes = rank != 2 ? 0 : shard ? held[2] + held[3] : held[2];
            Assert.Equal(fromOtherNodes, report.GetProperty("mpi_from_other_nodes_bytes").GetInt64());
            Assert.Equal(rank is 1 or 3 ? held[rank] : 0, report.GetProperty("peer_read_bytes").GetInt64());
        }
    }
}
