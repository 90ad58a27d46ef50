using ModelGen.Distributed;
using ModelGen.Sharding;
using TorchSharp;

namespace ModelGen.Training;

/// <summary>
/// Reduce-scatters full gradients into every rank's shard gradients: one fused reduce-scatter per dtype, rank r's block
/// holding its rows of every tensor back to back (padded to the chunk, so every rank's block has the same count), the
/// result averaged over the ranks (bfloat16 and float16 summed in float32) and added to the shard's gradient.
/// </summary>
internal static class ShardGradientReduction
{
    /// <summary>One sharded tensor's full gradient (<see langword="null"/> when autograd produced none) and its shard member.</summary>
    public readonly record struct Item(ShardedSlot Slot, torch.Tensor? FullGrad, torch.Tensor Member);

    /// <summary>
    /// A collective: every rank passes the same slots in the same order. A gradient may be missing on some ranks only
    /// (a mixture-of-experts expert that none of this rank's tokens chose): one small all-reduce finds out which
    /// tensors have a gradient on any rank, and a missing one counts as zeros there; a tensor without a gradient on
    /// every rank is skipped, as in one process.
    /// </summary>
    public static void ReduceScatter(IProcessGroup group, IReadOnlyList<Item> items)
    {
        using var noGrad = torch.no_grad();
        if (items.Count == 0) return;
        using torch.Tensor present = torch.tensor(items.Select(i => i.FullGrad is null ? 0f : 1f).ToArray());
        if (group.Size > 1) group.AllReduce(present, ReduceOp.Sum);
        float[] anywhere = present.data<float>().ToArray();
        foreach (var byType in items.Where((_, index) => anywhere[index] > 0).GroupBy(i => i.Slot.DType))
        {
            List<Item> members = byType.ToList();
            long block = members.Sum(i => i.Slot.ChunkRows * i.Slot.RowElements);
            using torch.Tensor input = torch.zeros([group.Size, block], byType.Key);
            using torch.Tensor output = torch.empty(block, byType.Key);
            long offset = 0;
            foreach (Item item in members)
            {
                long rowElements = item.Slot.RowElements;
                // No gradient on this rank: its rows of the input stay zeros.
                for (int rank = 0; rank < (item.FullGrad is null ? 0 : group.Size); rank++)
                {
                    (long start, long count) = ShardMath.RowsOf(item.Slot.GlobalShape[0], group.Size, rank);
                    if (count == 0) continue;
                    using torch.Tensor rankBlock = input[rank];
                    using torch.Tensor target = rankBlock.narrow(0, offset, count * rowElements);
                    using torch.Tensor rows = item.FullGrad!.narrow(0, start, count);
                    using torch.Tensor flat = rows.reshape(-1);
                    target.copy_(flat);
                }
                offset += item.Slot.ChunkRows * rowElements;
            }

            group.ReduceScatter(input, output, ReduceOp.Average);

            offset = 0;
            foreach (Item item in members)
            {
                long rowElements = item.Slot.RowElements;
                using torch.Tensor own = output.narrow(0, offset, item.Slot.RowCount * rowElements);
                long[] shape = [item.Slot.RowCount, .. item.Slot.GlobalShape.Skip(1)];
                using torch.Tensor shard = own.view(shape);
                Accumulate(item.Member, shard);
                offset += item.Slot.ChunkRows * rowElements;
            }
        }
    }

    /// <summary>Adds <paramref name="gradient"/> to <paramref name="parameter"/>'s gradient, or makes it its gradient (a copy).</summary>
    public static void Accumulate(torch.Tensor parameter, torch.Tensor gradient)
    {
        using var noGrad = torch.no_grad();
        using torch.Tensor? existing = parameter.grad;
        if (existing is null)
        {
            using torch.Tensor copy = gradient.to(parameter.dtype, copy: true);
            parameter.grad = copy;
        }
        else
        {
            existing.add_(gradient);
        }
    }

}
