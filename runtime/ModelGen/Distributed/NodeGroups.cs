using System.Runtime.CompilerServices;
using ModelGen.Distributed.Mpi;
using TorchSharp;

namespace ModelGen.Distributed;

/// <summary>
/// A job's ranks grouped by node: the <see cref="NodeLayout"/>, this rank's node as a group of its own (rank 0 of it
/// is the node's leader), and the group of the leaders (rank 0 of it is the job's rank 0). Found once per job group
/// and kept: every rank takes part in finding it, on its first load.
/// </summary>
internal sealed class NodeGroups
{
    private static readonly ConditionalWeakTable<IProcessGroup, NodeGroups> Known = [];

    private NodeGroups(IProcessGroup job, NodeLayout layout, IProcessGroup node, IProcessGroup? leaders)
    {
        Job = job;
        Layout = layout;
        Node = node;
        Leaders = leaders;
    }

    /// <summary>The whole job.</summary>
    public IProcessGroup Job { get; }

    /// <summary>Which ranks share a node.</summary>
    public NodeLayout Layout { get; }

    /// <summary>This rank's node (the job itself when there is one node).</summary>
    public IProcessGroup Node { get; }

    /// <summary>The nodes' leaders, when there are several nodes and this rank leads one; <see langword="null"/> otherwise.</summary>
    public IProcessGroup? Leaders { get; }

    /// <summary>This rank's node id.</summary>
    public int NodeId => Layout.NodeOf(Job.Rank);

    /// <summary>This rank's node leader, as a rank of the job.</summary>
    public int Leader => Layout.LeaderOf(NodeId);

    /// <summary>Whether this rank leads its node.</summary>
    public bool IsLeader => Leader == Job.Rank;

    /// <summary>
    /// The nodes of <paramref name="job"/>; call it on every rank. An MPI job groups the ranks sharing a machine's
    /// memory (<c>MPI_COMM_TYPE_SHARED</c>), or the simulated nodes of <see cref="NodeLayout.NodeOfRankVariable"/>
    /// when it is set; any other group is one node.
    /// </summary>
    /// <exception cref="DistributedLoadException">The variable is malformed or not set alike on every rank (on every rank).</exception>
    public static NodeGroups Of(IProcessGroup job) => Of(job, Environment.GetEnvironmentVariable);

    /// <summary><see cref="Of(IProcessGroup)"/> reading the environment through <paramref name="lookup"/>.</summary>
    internal static NodeGroups Of(IProcessGroup job, Func<string, string?> lookup)
    {
        ArgumentNullException.ThrowIfNull(job);
        lock (Known)
        {
            if (Known.TryGetValue(job, out NodeGroups? known))
                return known;
            NodeGroups found = job is MpiProcessGroup { IsSubGroup: false } mpi && mpi.Size > 1
                ? Discover(mpi, lookup)
                : new NodeGroups(job, NodeLayout.OneNode(job.Size), job, null);
            Known.Add(job, found);
            return found;
        }
    }

    private static NodeGroups Discover(MpiProcessGroup job, Func<string, string?> lookup)
    {
        long[]? simulated = null;
        Exception? failure = LocalFailure.Of(() => simulated = NodeLayout.SimulatedKeys(lookup, job.Size, job.Rank));

        // With the agreement, each rank tells the others, in its own two slots, whether it read the variable and which
        // node it names for itself (both at least 0, so the maximum over ranks passing 0 elsewhere gathers them).
        var pairs = new long[2 * job.Size];
        if (failure is null)
        {
            pairs[2 * job.Rank] = simulated is null ? 0L : 1L;
            pairs[2 * job.Rank + 1] = simulated?[job.Rank] ?? job.MachineLeader;
        }
        AgreedMaximum.Of(job, failure, pairs);
        long simulatedRanks = Enumerable.Range(0, job.Size).Count(r => pairs[2 * r] == 1);
        if (simulatedRanks != 0 && simulatedRanks != job.Size)
        {
            int without = Enumerable.Range(0, job.Size).First(r => pairs[2 * r] == 0);
            throw new DistributedLoadException(without, job.Size,
                $"{NodeLayout.NodeOfRankVariable} is set on {simulatedRanks} of {job.Size} ranks but not on rank {without}: set it alike on every rank (mpirun -x {NodeLayout.NodeOfRankVariable}).");
        }
        NodeLayout layout = NodeLayout.FromKeys(Enumerable.Range(0, job.Size).Select(r => pairs[2 * r + 1]).ToArray(), simulated: simulatedRanks > 0);
        if (layout.Nodes == 1)
            return new NodeGroups(job, layout, job, null);

        int node = layout.NodeOf(job.Rank);
        MpiProcessGroup nodeGroup = job.Split(node)!;
        MpiProcessGroup? leaders = job.Split(layout.IsLeader(job.Rank) ? 0 : -1);
        return new NodeGroups(job, layout, nodeGroup, leaders);
    }
}
