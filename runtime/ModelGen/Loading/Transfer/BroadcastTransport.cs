using ModelGen.Distributed;
using ModelGen.Native;
using TorchSharp;

namespace ModelGen.Loading.Transfer;

/// <summary>
/// Moves a batch with the process group's broadcast, which works across machines: one broadcast of all small tensors
/// packed together, then one per large tensor. Only small tensors (at most <see cref="TensorTransfer.PackLimitBytes"/>
/// per batch) are copied twice. <paramref name="group"/>'s rank 0 sends; <paramref name="betweenNodes"/> says its
/// ranks are on different nodes (the nodes' leaders), for the counts.
/// </summary>
internal sealed class BroadcastTransport(IProcessGroup group, TransferCounts? counts = null, bool betweenNodes = false) : IBatchTransport
{
    public string Name => "broadcast";

    public Exception? Move(IReadOnlyList<TransferItem> items, torch.Tensor[] tensors)
    {
        if (group.Rank != 0) counts?.AddMpi(items.Sum(i => i.ByteCount), betweenNodes);
        BroadcastPacked(items, tensors);
        for (int i = 0; i < items.Count; i++)
        {
            if (items[i].ByteCount > TensorTransfer.SmallTensorBytes)
                group.Broadcast(tensors[i], root: 0);
        }
        return null;
    }

    private unsafe void BroadcastPacked(IReadOnlyList<TransferItem> items, torch.Tensor[] tensors)
    {
        int[] small = Enumerable.Range(0, items.Count)
            .Where(i => items[i].ByteCount > 0 && items[i].ByteCount <= TensorTransfer.SmallTensorBytes)
            .ToArray();
        if (small.Length == 0) return;

        using torch.Tensor packed = torch.empty(small.Sum(i => items[i].ByteCount), torch.ScalarType.Byte, torch.CPU);
        byte* pack = (byte*)TensorMemory.DataPointer(packed);
        bool isRoot = group.Rank == 0;
        if (isRoot) CopyAll(small, items, tensors, pack, toPack: true);
        group.Broadcast(packed, root: 0);
        if (!isRoot) CopyAll(small, items, tensors, pack, toPack: false);
    }

    private static unsafe void CopyAll(int[] small, IReadOnlyList<TransferItem> items, torch.Tensor[] tensors, byte* pack, bool toPack)
    {
        long offset = 0;
        foreach (int i in small)
        {
            long length = items[i].ByteCount;
            byte* tensor = (byte*)TensorMemory.DataPointer(tensors[i]);
            if (toPack) Buffer.MemoryCopy(tensor, pack + offset, length, length);
            else Buffer.MemoryCopy(pack + offset, tensor, length, length);
            offset += length;
        }
    }
}
