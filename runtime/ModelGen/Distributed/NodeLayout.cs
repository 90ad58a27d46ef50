using System.Globalization;

namespace ModelGen.Distributed;

/// <summary>
/// Which ranks of a job share a node (a machine, or a simulated one): nodes are numbered 0, 1, ... in the order of
/// their lowest rank, and a node's lowest rank is its leader, so rank 0 always leads node 0. Within a node the ranks
/// keep the job's order.
/// </summary>
internal sealed class NodeLayout
{
    /// <summary>
    /// Assigns each rank a node id, for running several nodes on one machine (tests, measurements): a comma-separated
    /// list with one non-negative id per rank, for example <c>0,0,1,1</c> for 4 ranks as 2 nodes x 2 ranks. Honoured
    /// only when set; otherwise the ranks sharing a machine's memory form a node.
    /// </summary>
    public const string NodeOfRankVariable = "MODELGEN_NODE_OF_RANK";

    private readonly int[] _nodeOfRank;
    private readonly int[][] _ranksOfNode;

    private NodeLayout(int[] nodeOfRank, int[][] ranksOfNode, bool simulated)
    {
        _nodeOfRank = nodeOfRank;
        _ranksOfNode = ranksOfNode;
        Simulated = simulated;
    }

    /// <summary>The number of nodes.</summary>
    public int Nodes => _ranksOfNode.Length;

    /// <summary>The number of ranks.</summary>
    public int Ranks => _nodeOfRank.Length;

    /// <summary>Whether the nodes come from <see cref="NodeOfRankVariable"/> rather than from the machines.</summary>
    public bool Simulated { get; }

    /// <summary>The node of <paramref name="rank"/>.</summary>
    public int NodeOf(int rank) => _nodeOfRank[rank];

    /// <summary>The ranks of <paramref name="node"/>, ascending; the first is its leader.</summary>
    public IReadOnlyList<int> RanksOf(int node) => _ranksOfNode[node];

    /// <summary>The leader of <paramref name="node"/>: its lowest rank.</summary>
    public int LeaderOf(int node) => _ranksOfNode[node][0];

    /// <summary>Whether <paramref name="rank"/> leads its node.</summary>
    public bool IsLeader(int rank) => LeaderOf(NodeOf(rank)) == rank;

    /// <summary>The most ranks any node has.</summary>
    public int LargestNode
    {
        get
        {
            int largest = 0;
            foreach (int[] ranks in _ranksOfNode) largest = Math.Max(largest, ranks.Length);
            return largest;
        }
    }

    /// <summary>Every rank on one node.</summary>
    public static NodeLayout OneNode(int ranks) => FromKeys(new long[ranks], simulated: false);

    /// <summary>
    /// The layout in which ranks with equal <paramref name="keyOfRank"/> share a node (any values: only equality
    /// counts).
    /// </summary>
    public static NodeLayout FromKeys(IReadOnlyList<long> keyOfRank, bool simulated)
    {
        ArgumentOutOfRangeException.ThrowIfZero(keyOfRank.Count);
        // Arrays and plain loops: a job's first load runs this once, and collections of numbers would be compiled for it.
        int ranks = keyOfRank.Count, nodes = 0;
        var keyOfNode = new long[ranks];
        var sizeOfNode = new int[ranks];
        var nodeOfRank = new int[ranks];
        for (int rank = 0; rank < ranks; rank++)
        {
            int node = 0;
            while (node < nodes && keyOfNode[node] != keyOfRank[rank]) node++;
            if (node == nodes) keyOfNode[nodes++] = keyOfRank[rank];
            nodeOfRank[rank] = node;
            sizeOfNode[node]++;
        }
        var ranksOfNode = new int[nodes][];
        for (int node = 0; node < nodes; node++) ranksOfNode[node] = new int[sizeOfNode[node]];
        var filled = new int[nodes];
        for (int rank = 0; rank < ranks; rank++) ranksOfNode[nodeOfRank[rank]][filled[nodeOfRank[rank]]++] = rank;
        return new NodeLayout(nodeOfRank, ranksOfNode, simulated);
    }

    /// <summary>
    /// The node ids of <see cref="NodeOfRankVariable"/>, one per rank, or <see langword="null"/> when it is not set.
    /// </summary>
    /// <exception cref="InvalidOperationException">The value is not one non-negative whole number per rank.</exception>
    public static long[]? SimulatedKeys(Func<string, string?> lookup, int ranks, int rank)
    {
        if (lookup(NodeOfRankVariable) is not { } text)
            return null;
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != ranks)
        {
            throw new InvalidOperationException(
                $"{NodeOfRankVariable}='{text}' (read on rank {rank}) lists {parts.Length} node id(s); the job has {ranks} ranks: give one id per rank, for example '0,0,1,1'.");
        }
        var keys = new long[ranks];
        for (int r = 0; r < ranks; r++)
        {
            if (!long.TryParse(parts[r], NumberStyles.None, CultureInfo.InvariantCulture, out keys[r]))
                throw new InvalidOperationException($"{NodeOfRankVariable}='{text}' (read on rank {rank}): the node id of rank {r}, '{parts[r]}', is not a non-negative whole number.");
        }
        return keys;
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Join(" | ", _ranksOfNode.Select((r, node) => $"node {node}: ranks {string.Join(",", r)}")) + (Simulated ? " (simulated)" : "");
}
