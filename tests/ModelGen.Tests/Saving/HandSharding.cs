using ModelGen.Distributed;
using ModelGen.Mapping;
using ModelGen.Sharding;
using static TorchSharp.torch;

namespace ModelGen.Tests.Saving;

/// <summary>
/// Gives a loaded model on one rank the record a fully sharded load attaches: every parameter and buffer (computed
/// buffers and tied aliases aside) is a sharded slot whose single chunk is the whole tensor. The multi-rank worker
/// splits real rows across ranks; this exercises the gathering path of the save in one process.
/// </summary>
internal static class HandSharding
{
    public static ModelSharding Shard(IShardedModel model, IProcessGroup group)
    {
        Assert.Equal(1, group.Size);
        IReadOnlyList<TensorSlot> slots = model.GetTensorSlots();
        var sharded = new List<ShardedSlot>();
        var tied = new Dictionary<string, string>(StringComparer.Ordinal);
        using (no_grad())
        {
            foreach (TensorSlot slot in slots)
            {
                if (slot.Computed)
                    continue;
                if (slot.TiedTo is not null)
                {
                    tied[slot.Key] = slot.TiedTo;
                    continue;
                }
                // One rank holds every row, so the member itself is the (unpadded) buffer; a tied alias keeps sharing it.
                Tensor full = slot.Get()!;
                sharded.Add(new ShardedSlot(slot.Key, full.shape, full.dtype, 0, full.shape[0], full.shape[0], full));
            }
        }
        var sharding = new ModelSharding(group, sharded, tied);
        ModelSharding.Attach(model, sharding);
        return sharding;
    }
}
