using ModelGen.Distributed;
using ModelGen.Loading.Transfer;
using ModelGen.Native;
using TorchSharp;

namespace ModelGen.Sharding;

/// <summary>
/// Moves each rank's rows once per node: rank 0 scatters to every other node's leader the rows of that node's ranks
/// (the leader's own straight into its tensor, the others' into a staging buffer of the batch), and a piece of a
/// replicated tensor goes to the leaders by broadcast; then every rank of a node takes its rows from its leader, by
/// peer read when the node allows it, otherwise by a scatter inside the node. No rank reads the memory of a rank on
/// another node, and no rows cross to a node that does not keep them. Items every leader read from its own copy of
/// the checkpoint (<see cref="ShardedLoadItem.ReadByEveryLeader"/>) skip the first step: each leader holds them as
/// rank 0 does.
/// </summary>
internal sealed class NodeShardTransport : IShardTransport, IDisposable
{
    private readonly NodeGroups _nodes;
    private readonly int? _leaderProcessId;
    private readonly TransferCounts _counts;
    private readonly IReadOnlyList<int> _nodeRanks;
    private readonly int _jobSize;

    /// <summary>
    /// On a leader other than rank 0, the rows of its node's other ranks for the batch last moved: they read it until
    /// the next agreement, so it is replaced only at the next batch.
    /// </summary>
    private torch.Tensor? _staging;

    public NodeShardTransport(NodeGroups nodes, int? leaderProcessId, TransferCounts counts)
    {
        _nodes = nodes;
        _leaderProcessId = leaderProcessId;
        _counts = counts;
        _nodeRanks = nodes.Layout.RanksOf(nodes.NodeId);
        _jobSize = nodes.Job.Size;
        string within = _nodeRanks.Count == 1 ? "none" : leaderProcessId is null ? "scatter" : "peer-read";
        Name = $"scatter+{within}";
    }

    /// <summary><c>scatter+</c> and how this rank's node moves the rows inside: <c>peer-read</c>, <c>scatter</c>, or <c>none</c>.</summary>
    public string Name { get; }

    public Exception? Move(IReadOnlyList<PieceMove> batch, ReadOnlySpan<long> rootSources)
    {
        // Where each rank of this node finds its share of each piece in its leader's memory: [piece * node size + j].
        var shares = new long[batch.Count * _nodeRanks.Count];
        if (_nodes.Leaders is { } leaders)
            MoveBetweenLeaders(leaders, batch, shares);
        return _nodeRanks.Count == 1 ? null : MoveWithinNode(batch, shares);
    }

    private bool IsJobRoot => _nodes.Job.Rank == 0;

    private void MoveBetweenLeaders(IProcessGroup leaders, IReadOnlyList<PieceMove> batch, long[] shares)
    {
        int size = _nodeRanks.Count;
        if (!IsJobRoot) StageBatch(batch);
        long staged = 0;
        nint staging = _staging is null ? 0 : TensorMemory.DataPointer(_staging);
        for (int p = 0; p < batch.Count; p++)
        {
            PieceMove move = batch[p];
            if (move.Item.ReadByEveryLeader)
            {
                // This leader made the whole piece resident itself: its node's ranks find their shares where rank 0's do.
                for (int j = 0; j < size; j++)
                    shares[p * size + j] = move.Source + (nint)move.Piece.ShareOf(move.Item, _nodeRanks[j], _jobSize).SourceOffset;
                continue;
            }
            if (!move.Item.Sharded)
            {
                (_, long length, long destinationOffset) = move.Piece.ShareOf(move.Item, 0, _jobSize);
                nint whole = IsJobRoot ? move.Source : move.Destination + (nint)destinationOffset;
                if (length > 0) leaders.BroadcastNative(whole, length, root: 0);
                if (!IsJobRoot) _counts.AddMpi(length, fromOtherNode: true);
                for (int j = 0; j < size; j++) shares[p * size + j] = whole;
                continue;
            }

            // One scatter per position in a node: leader n receives the rows of its node's j-th rank.
            for (int j = 0; j < _nodes.Layout.LargestNode; j++)
            {
                nint receive = 0;
                long receiveBytes = 0;
                if (j < size)
                {
                    (long sourceOffset, long length, long destinationOffset) = move.Piece.ShareOf(move.Item, _nodeRanks[j], _jobSize);
                    if (IsJobRoot) shares[p * size + j] = move.Source + (nint)sourceOffset;
                    else
                    {
                        receive = j == 0 ? move.Destination + (nint)destinationOffset : staging + (nint)staged;
                        receiveBytes = length;
                        if (j > 0)
                        {
                            shares[p * size + j] = receive;
                            staged += length;
                        }
                    }
                }
                ScatterToLeaders(leaders, move, j, receive, receiveBytes);
                if (!IsJobRoot) _counts.AddMpi(receiveBytes, fromOtherNode: true);
            }
        }
    }

    /// <summary>On rank 0, sends node n's j-th rank's rows of the piece to leader n (rank 0 keeps its own node's in place).</summary>
    private void ScatterToLeaders(IProcessGroup leaders, PieceMove move, int j, nint receive, long receiveBytes)
    {
        var counts = new long[IsJobRoot ? leaders.Size : 0];
        var offsets = new long[IsJobRoot ? leaders.Size : 0];
        if (IsJobRoot)
        {
            for (int node = 1; node < leaders.Size; node++)
            {
                IReadOnlyList<int> ranks = _nodes.Layout.RanksOf(node);
                if (j < ranks.Count)
                    (offsets[node], counts[node], _) = move.Piece.ShareOf(move.Item, ranks[j], _jobSize);
            }
        }
        leaders.ScatterNative(IsJobRoot ? move.Source : 0, counts, offsets, receive, receiveBytes, root: 0);
    }

    /// <summary>On a leader other than rank 0, a staging buffer for the batch's rows of the node's other ranks.</summary>
    private void StageBatch(IReadOnlyList<PieceMove> batch)
    {
        long bytes = 0;
        foreach (PieceMove move in batch.Where(m => m.Item.Sharded && !m.Item.ReadByEveryLeader))
        {
            for (int j = 1; j < _nodeRanks.Count; j++)
                bytes += move.Piece.ShareOf(move.Item, _nodeRanks[j], _jobSize).Length;
        }
        _staging?.Dispose();
        _staging = bytes > 0 ? torch.empty(bytes, torch.ScalarType.Byte, torch.CPU) : null;
    }

    private Exception? MoveWithinNode(IReadOnlyList<PieceMove> batch, long[] shares)
    {
        IProcessGroup node = _nodes.Node;
        int size = _nodeRanks.Count;
        if (_leaderProcessId is { } leaderProcessId)
        {
            node.BroadcastLongs(shares, root: 0);
            if (node.Rank == 0) return null;
            var ranges = new List<PeerRange>(batch.Count);
            for (int p = 0; p < batch.Count; p++)
            {
                (_, long length, long destinationOffset) = batch[p].Piece.ShareOf(batch[p].Item, _nodes.Job.Rank, _jobSize);
                if (length > 0)
                    ranges.Add(new PeerRange(batch[p].Destination + (nint)destinationOffset, (nint)shares[p * size + node.Rank], length));
            }
            if (LocalFailure.Of(() => PeerMemory.Read(leaderProcessId, ranges)) is { } e)
            {
                return new IOException(
                    $"rank {_nodes.Job.Rank} could not copy its rows of {batch.Count} piece(s) out of its node leader's memory (rank {_nodes.Leader}, " +
                    $"process {leaderProcessId}; the batch begins with {batch[0].Item.Describe()}): {e.Message}", e);
            }
            _counts.AddPeerRead(PeerMemory.TotalLength(ranges));
            return null;
        }
        return LocalFailure.Of(() => ScatterWithinNode(node, batch, shares));
    }

    /// <summary>A node that refused peer reads: its leader scatters each piece's shares (broadcasts a replicated piece) inside the node.</summary>
    private void ScatterWithinNode(IProcessGroup node, IReadOnlyList<PieceMove> batch, long[] shares)
    {
        int size = _nodeRanks.Count;
        bool isLeader = node.Rank == 0;
        for (int p = 0; p < batch.Count; p++)
        {
            PieceMove move = batch[p];
            (_, long length, long destinationOffset) = move.Piece.ShareOf(move.Item, _nodes.Job.Rank, _jobSize);
            nint destination = move.Destination + (nint)destinationOffset;
            if (!move.Item.Sharded)
            {
                if (length > 0) node.BroadcastNative(isLeader ? (nint)shares[p * size] : destination, length, root: 0);
                if (!isLeader) _counts.AddMpi(length, fromOtherNode: false);
                continue;
            }
            var counts = new long[isLeader ? size : 0];
            var offsets = new long[isLeader ? size : 0];
            nint source = 0;
            if (isLeader)
            {
                var parts = Enumerable.Range(1, size - 1)
                    .Select(j => (Rank: j, Address: shares[p * size + j], Length: move.Piece.ShareOf(move.Item, _nodeRanks[j], _jobSize).Length))
                    .Where(part => part.Length > 0)
                    .ToArray();
                source = parts.Length == 0 ? 0 : (nint)parts.Min(part => part.Address);
                foreach (var part in parts)
                    (counts[part.Rank], offsets[part.Rank]) = (part.Length, part.Address - source);
            }
            node.ScatterNative(source, counts, offsets, isLeader ? 0 : destination, isLeader ? 0 : length, root: 0);
            if (!isLeader) _counts.AddMpi(length, fromOtherNode: false);
        }
    }

    public void Dispose()
    {
        _staging?.Dispose();
        _staging = null;
    }
}
