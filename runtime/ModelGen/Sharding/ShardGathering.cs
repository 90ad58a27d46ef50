using ModelGen.Distributed;
using TorchSharp;

namespace ModelGen.Sharding;

/// <summary>Gathers the whole of a sharded tensor on every rank from the ranks' padded shards.</summary>
public static class ShardGathering
{
    /// <summary>
    /// The whole tensor of <paramref name="slot"/>, on every rank: one all-gather of the padded shards (every rank sends
    /// the same element count), viewed without the padding. Every rank must call it for the same slot.
    /// </summary>
    public static torch.Tensor Gather(IProcessGroup group, ShardedSlot slot)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(slot);
        long[] gatheredShape = Loading.ScalarTypes.WithRows(slot.GlobalShape, slot.ChunkRows * group.Size);
        torch.Tensor gathered = torch.empty(gatheredShape, slot.DType, slot.Padded.device);
        group.AllGather(slot.Padded, gathered);
        if (gatheredShape[0] == slot.GlobalShape[0]) return gathered;
        torch.Tensor full = gathered.narrow(0, 0, slot.GlobalShape[0]);
        gathered.Dispose();
        return full;
    }
}
