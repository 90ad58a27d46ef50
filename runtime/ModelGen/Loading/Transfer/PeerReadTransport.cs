using ModelGen.Distributed;
using ModelGen.Native;
using TorchSharp;

namespace ModelGen.Loading.Transfer;

/// <summary>
/// Moves a batch between ranks of one machine without rank 0's help: rank 0 broadcasts the addresses of the batch's
/// tensors (a few bytes), and every other rank copies the bytes straight out of rank 0's memory into its own tensors
/// (<see cref="PeerMemory"/>), one copy per byte. Rank 0 is free to read the next batch meanwhile, and the receivers
/// copy side by side. Chosen by <see cref="TransportSelection"/> only when every rank proved it can read rank 0.
/// </summary>
/// <remarks>In a node's group, rank 0 is the node's leader, whose memory the node's other ranks read.</remarks>
internal sealed class PeerReadTransport(IProcessGroup group, int rootProcessId, TransferCounts? counts = null) : IBatchTransport
{
    public string Name => "peer-read";

    public Exception? Move(IReadOnlyList<TransferItem> items, torch.Tensor[] tensors)
    {
        var addresses = new long[items.Count];
        bool isRoot = group.Rank == 0;
        if (isRoot)
        {
            for (int i = 0; i < items.Count; i++)
                addresses[i] = items[i].ByteCount > 0 ? TensorMemory.DataPointer(tensors[i]) : 0;
        }
        group.BroadcastLongs(addresses, root: 0);
        if (isRoot) return null;

        var ranges = new List<PeerRange>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            if (items[i].ByteCount > 0)
                ranges.Add(new PeerRange(TensorMemory.DataPointer(tensors[i]), (nint)addresses[i], items[i].ByteCount));
        }
        if (LocalFailure.Of(() => PeerMemory.Read(rootProcessId, ranges)) is { } e)
        {
            return new IOException(
                $"rank {group.Rank} could not copy a batch of {items.Count} tensor(s) out of rank 0's memory (process {rootProcessId}; " +
                $"the batch begins with {items[0].Describe()}): {e.Message}", e);
        }
        counts?.AddPeerRead(PeerMemory.TotalLength(ranges));
        return null;
    }
}
