using ModelGen.Distributed;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// Groups the ranks by node (<see cref="NodeGroups"/>) and reports, per rank, its node, its leader, the sizes of its
/// node's group and of the leaders' group, and the results of collectives run on those groups: inside each node, the
/// leader broadcasts its rank; between the leaders, the largest leader rank is agreed on. Then the job's group still
/// works (a barrier). A malformed MODELGEN_NODE_OF_RANK is reported as the agreed failure.
/// </summary>
public static class NodesScenario
{
    internal static int Run(IProcessGroup group, Report report)
    {
        NodeGroups nodes;
        try
        {
            nodes = NodeGroups.Of(group);
        }
        catch (DistributedLoadException e)
        {
            report.Event("nodes-failed", ("type", e.GetType().Name), ("message", e.Message.Replace('\n', ' ')));
            return 0;
        }
        var fromLeader = new byte[] { (byte)group.Rank };
        nodes.Node.Broadcast(fromLeader, root: 0);
        long largestLeader = nodes.Leaders?.AllReduceMax(group.Rank) ?? -1;
        group.Barrier();
        report.Event("nodes", ("node", nodes.NodeId), ("nodes", nodes.Layout.Nodes), ("leader", nodes.Leader),
            ("nodeRank", nodes.Node.Rank), ("nodeSize", nodes.Node.Size), ("leaders", nodes.Leaders?.Size ?? 0),
            ("fromLeader", fromLeader[0]), ("largestLeader", largestLeader), ("simulated", nodes.Layout.Simulated),
            ("same", ReferenceEquals(nodes, NodeGroups.Of(group))));
        return 0;
    }
}
