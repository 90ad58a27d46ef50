using ModelGen.Distributed;
using TorchSharp;

namespace ModelGen.Loading.Transfer;

/// <summary>
/// Moves a batch once per node: rank 0 broadcasts it to the other nodes' leaders over MPI, then the ranks of every
/// node take it from their own leader, by peer read when the node allows it (its leader's process id is given),
/// otherwise by a broadcast inside the node. No rank ever reads the memory of a rank on another node. Items every
/// leader read from its own copy of the checkpoint (<see cref="TransferItem.ReadByEveryLeader"/>) skip the first step.
/// </summary>
internal sealed class NodeBatchTransport : IBatchTransport
{
    private readonly BroadcastTransport? _betweenLeaders;
    private readonly IBatchTransport? _withinNode;

    public NodeBatchTransport(NodeGroups nodes, int? leaderProcessId, TransferCounts counts)
    {
        _betweenLeaders = nodes.Leaders is { } leaders ? new BroadcastTransport(leaders, counts, betweenNodes: true) : null;
        if (nodes.Node.Size > 1)
        {
            _withinNode = leaderProcessId is { } processId
                ? new PeerReadTransport(nodes.Node, processId, counts)
                : new BroadcastTransport(nodes.Node, counts);
        }
        Name = $"broadcast+{_withinNode?.Name ?? "none"}";
    }

    /// <summary><c>broadcast+</c> and how this rank's node moves the batch inside: <c>peer-read</c>, <c>broadcast</c>, or <c>none</c> for a node of one rank.</summary>
    public string Name { get; }

    public Exception? Move(IReadOnlyList<TransferItem> items, torch.Tensor[] tensors)
    {
        if (_betweenLeaders is not null)
        {
            int[] sent = Enumerable.Range(0, items.Count).Where(i => !items[i].ReadByEveryLeader).ToArray();
            if (sent.Length == items.Count)
                _betweenLeaders.Move(items, tensors);
            else if (sent.Length > 0)
                _betweenLeaders.Move(sent.Select(i => items[i]).ToArray(), sent.Select(i => tensors[i]).ToArray());
        }
        // A leader's tensors now hold the batch; they stay unchanged until the next agreement, while the node copies.
        return _withinNode?.Move(items, tensors);
    }
}
