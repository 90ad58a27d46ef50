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
        if (Begin(job, lookup, out NodeGroups? known) is not { } discovery)
            return known!;
        AgreedMaximum.Of(job, discovery.Failure, discovery.Keys);
        return discovery.Finish(discovery.Keys);
    }

    /// <summary>
    /// What this rank contributes to finding the nodes of <paramref name="job"/>, for a caller that carries it in an
    /// agreement of its own (one round instead of two); <see langword="null"/> when nothing needs to be found: the
    /// nodes are known already, or the group is not a whole MPI job of several ranks (one node, see <see cref="Of(IProcessGroup)"/>).
    /// Then <paramref name="known"/> holds the groups.
    /// </summary>
    internal static Discovery? Begin(IProcessGroup job, Func<string, string?> lookup, out NodeGroups? known)
    {
        ArgumentNullException.ThrowIfNull(job);
        lock (Known)
        {
            if (Known.TryGetValue(job, out known)) return null;
            if (job is MpiProcessGroup { IsSubGroup: false } mpi && mpi.Size > 1) return new Discovery(mpi, lookup);
            known = OneNode(job);
            Known.Add(job, known);
            return null;
        }
    }

    private static NodeGroups OneNode(IProcessGroup job) => new(job, NodeLayout.OneNode(job.Size), job, null);

    /// <summary>
    /// One rank's part in finding the nodes: <see cref="Keys"/> (this rank's two slots filled, the others 0) and
    /// <see cref="Failure"/> go into a max-reduction with the error vote (see <see cref="AgreedMaximum"/>); then
    /// <see cref="Finish"/> turns the agreed keys into the groups, on every rank.
    /// </summary>
    internal sealed class Discovery
    {
        private readonly MpiProcessGroup _job;

        public Discovery(MpiProcessGroup job, Func<string, string?> lookup)
        {
            _job = job;
            long[]? simulated = null;
            Failure = LocalFailure.Of(() => simulated = NodeLayout.SimulatedKeys(lookup, job.Size, job.Rank));
            // Each rank tells the others, in its own two slots, whether it read the variable and which node it names
            // for itself (both at least 0, so the maximum over ranks passing 0 elsewhere gathers them).
            Keys = new long[2 * job.Size];
            if (Failure is null)
            {
                Keys[2 * job.Rank] = simulated is null ? 0L : 1L;
                Keys[2 * job.Rank + 1] = simulated?[job.Rank] ?? job.MachineLeader;
            }
        }

        /// <summary>This rank's keys: its slots filled, every other rank's 0.</summary>
        public long[] Keys { get; }

        /// <summary>Why this rank could not tell its node (a malformed simulated-node variable); <see langword="null"/> otherwise.</summary>
        public Exception? Failure { get; }

        /// <summary>
        /// The groups, from every rank's keys (the maximum of every rank's <see cref="Keys"/>, from index
        /// <paramref name="offset"/> of <paramref name="agreed"/>); remembered for the job.
        /// </summary>
        /// <exception cref="DistributedLoadException">The simulated-node variable is set on some ranks only (on every rank alike).</exception>
        public NodeGroups Finish(long[] agreed, int offset = 0)
        {
            int size = _job.Size;
            int simulatedRanks = 0, without = -1;
            var keys = new long[size];
            for (int r = 0; r < size; r++)
            {
                if (agreed[offset + 2 * r] == 1) simulatedRanks++;
                else if (without < 0) without = r;
                keys[r] = agreed[offset + 2 * r + 1];
            }
            if (simulatedRanks != 0 && simulatedRanks != size)
            {
                throw new DistributedLoadException(without, size,
                    $"{NodeLayout.NodeOfRankVariable} is set on {simulatedRanks} of {size} ranks but not on rank {without}: set it alike on every rank (mpirun -x {NodeLayout.NodeOfRankVariable}).");
            }
            NodeLayout layout = NodeLayout.FromKeys(keys, simulated: simulatedRanks > 0);
            NodeGroups found;
            if (layout.Nodes == 1) found = new NodeGroups(_job, layout, _job, null);
            else
            {
                int node = layout.NodeOf(_job.Rank);
                MpiProcessGroup nodeGroup = _job.Split(node)!;
                MpiProcessGroup? leaders = _job.Split(layout.IsLeader(_job.Rank) ? 0 : -1);
                found = new NodeGroups(_job, layout, nodeGroup, leaders);
            }
            lock (Known) Known.AddOrUpdate(_job, found);
            return found;
        }
    }
}
