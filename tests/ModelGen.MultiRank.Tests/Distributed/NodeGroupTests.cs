using System.Diagnostics;
using System.Globalization;
using ModelGen.MultiRank.Tests.Launching;

namespace ModelGen.MultiRank.Tests.Distributed;

/// <summary>
/// The ranks of real MPI jobs grouped by node: by machine (one here), or by the simulated nodes of
/// MODELGEN_NODE_OF_RANK; collectives run on each node's group and on the leaders' group, and a rank that stops
/// responding is still named by every live rank, whichever group it waits in.
/// </summary>
public sealed class NodeGroupTests
{
    private static Task<WorkerRun> RunAsync(string nodeOfRank, int ranks) =>
        WorkerLauncher.MpiRunAsync(["nodes"], ranks, environment: new Dictionary<string, string> { ["MODELGEN_NODE_OF_RANK"] = nodeOfRank });

    private static long Field(WorkerEvent e, string name) => long.Parse(e[name], CultureInfo.InvariantCulture);

    [Fact]
    public async Task TwoSimulatedNodesOfTwoRanksEachHaveTheirGroupsAndLeaders()
    {
        WorkerRun run = await RunAsync("0,0,1,1", ranks: 4);

        Assert.True(run.ExitCode == 0, run.ToString());
        var nodes = run.Named("nodes");
        Assert.Equal([0, 1, 2, 3], nodes.Select(e => e.Rank));
        Assert.All(nodes, e =>
        {
            int leader = e.Rank < 2 ? 0 : 2;
            Assert.Equal(e.Rank / 2, Field(e, "node"));
            Assert.Equal(2, Field(e, "nodes"));
            Assert.Equal(leader, Field(e, "leader"));
            Assert.Equal(e.Rank % 2, Field(e, "nodeRank"));
            Assert.Equal(2, Field(e, "nodeSize"));
            Assert.Equal(e.Rank == leader ? 2 : 0, Field(e, "leaders"));
            // The node's broadcast came from its own leader; the leaders agreed on the largest of them.
            Assert.Equal(leader, Field(e, "fromLeader"));
            Assert.Equal(e.Rank == leader ? 2 : -1, Field(e, "largestLeader"));
            Assert.Equal("True", e["simulated"]);
            Assert.Equal("True", e["same"]);
        });
    }

    [Fact]
    public async Task RanksSpreadRoundRobinKeepTheJobsOrderInsideEachNode()
    {
        WorkerRun run = await RunAsync("5,9,5,9", ranks: 4);

        Assert.True(run.ExitCode == 0, run.ToString());
        var nodes = run.Named("nodes");
        Assert.Equal([0, 1, 0, 1], nodes.Select(e => Field(e, "node")));
        Assert.Equal([0, 1, 0, 1], nodes.Select(e => Field(e, "leader")));
        Assert.Equal([0, 0, 1, 1], nodes.Select(e => Field(e, "nodeRank")));
        Assert.Equal([0, 1, 0, 1], nodes.Select(e => Field(e, "fromLeader")));
    }

    [Fact]
    public async Task WithoutTheVariableTheRanksOfOneMachineAreOneNode()
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["nodes"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.All(run.Named("nodes"), e =>
        {
            Assert.Equal(0, Field(e, "node"));
            Assert.Equal(1, Field(e, "nodes"));
            Assert.Equal(WorkerLauncher.Ranks, Field(e, "nodeSize"));
            Assert.Equal(0, Field(e, "leaders"));
            Assert.Equal("False", e["simulated"]);
        });
    }

    [Theory]
    [InlineData("0,1", "lists 2 node id(s); the job has 3 ranks")]
    [InlineData("0,a,1", "the node id of rank 1, 'a'")]
    public async Task AMalformedVariableIsTheSameErrorOnEveryRank(string nodeOfRank, string expected)
    {
        WorkerRun run = await RunAsync(nodeOfRank, ranks: 3);

        Assert.True(run.ExitCode == 0, run.ToString());
        var failed = run.Named("nodes-failed");
        Assert.Equal([0, 1, 2], failed.Select(e => e.Rank));
        string message = Assert.Single(failed.Select(e => e["message"]).Distinct());
        Assert.Contains("MODELGEN_NODE_OF_RANK", message);
        Assert.Contains(expected, message);
        Assert.Empty(run.Named("nodes"));
    }

    [Fact]
    public async Task ARankThatStopsIsNamedByTheLiveRanksWaitingInTheLeadersAndInTheirNodesGroup()
    {
        // Node 0 is ranks 0 and 1, node 1 is rank 2 alone, which stops: rank 0 waits for it among the leaders (3 s
        // timeout), rank 1 waits for rank 0 inside node 0 (20 s) and stops when it hears that rank 0 stopped waiting.
        WorkerRun run = await WorkerLauncher.MpiRunUntilAsync(["stop", "at=node", "timeout=3"],
            events => events.Count(e => e.Name == "disposed") == 2, timeout: TimeSpan.FromSeconds(45),
            environment: new Dictionary<string, string> { ["MODELGEN_NODE_OF_RANK"] = "0,0,1" });
        try
        {
            Assert.True(run.EndedByTest, run.ToString());
            var timedOut = run.Named("timed-out");
            Assert.Equal([0, 1], timedOut.Select(e => e.Rank));
            Assert.All(timedOut, e =>
            {
                Assert.Equal("2", e["missing"]);
                Assert.Equal("Barrier", e["operation"]);
                Assert.Contains("rank 2 did not respond", e["message"]);
                Assert.InRange(Field(e, "elapsedMs"), 3000, 15_000);
                Assert.Equal("0", e["abandonedBy"]);
            });
            Assert.All(run.Named("after"), e => Assert.Equal("DistributedTimeoutException", e["error"]));
        }
        finally
        {
            KillReported(run);
        }
    }

    /// <summary>Kills what is left of the job: the stopped rank cannot end by itself.</summary>
    private static void KillReported(WorkerRun run)
    {
        foreach (int pid in run.Named("pid").Select(e => int.Parse(e["pid"], CultureInfo.InvariantCulture)))
        {
            try
            {
                using Process process = Process.GetProcessById(pid);
                if (process.HasExited || process.ProcessName != "dotnet") continue;
                process.Kill();
                Assert.True(process.WaitForExit(10_000), $"process {pid} did not end");
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
    }
}
