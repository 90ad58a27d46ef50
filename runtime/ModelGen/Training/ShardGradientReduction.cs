using ModelGen.Distributed;
using ModelGen.Sharding;
using TorchSharp;

namespace ModelGen.Training;

/// <summary>
/// Reduce-scatters full gradients into every rank's shard gradients: one fused block per dtype, rank r's block holding
/// its rows of every tensor back to back (padded to the chunk, so every rank's block has the same count), reduced in
/// bounded windows, the result averaged over the ranks (bfloat16 and float16 summed in float32) and added to the
/// shard's gradient.
/// </summary>
internal static class ShardGradientReduction
{
    /// <summary>One sharded tensor's full gradient (<see langword="null"/> when autograd produced none) and its shard member.</summary>
    public readonly record struct Item(ShardedSlot Slot, torch.Tensor? FullGrad, torch.Tensor Member);

    /// <summary>
    /// A collective: every rank passes the same slots in the same order. A gradient may be missing on some ranks only
    /// (a mixture-of-experts expert that none of this rank's tokens chose): one small all-reduce finds out which
    /// tensors have a gradient on any rank, and a missing one counts as zeros there; a tensor without a gradient on
    /// every rank is skipped, as in one process. The fused block goes in windows whose reduce-scatter input holds at
    /// most <paramref name="windowBytes"/> (at least one element per rank), so a large gradient (an embedding's, a
    /// head's) needs no second full-size copy beside it, and the collective no full-size buffers of its own.
    /// </summary>
    public static void ReduceScatter(IProcessGroup group, IReadOnlyList<Item> items, TrafficCounter traffic, long windowBytes)
    {
        using var noGrad = torch.no_grad();
        if (items.Count == 0) return;
        using torch.Tensor present = torch.tensor(items.Select(i => i.FullGrad is null ? 0f : 1f).ToArray());
        if (group.Size > 1)
        {
            traffic.AllReduce(present);
            group.AllReduce(present, ReduceOp.Sum);
        }
        float[] anywhere = present.data<float>().ToArray();
        foreach (var byType in items.Where((_, index) => anywhere[index] > 0).GroupBy(i => i.Slot.DType))
        {
            var block = new FusedBlock(byType.ToList(), group.Size);
            using torch.Tensor output = torch.empty(block.Elements, byType.Key);
            long elementSize = output.element_size();
            long window = Math.Max(1, windowBytes / (group.Size * elementSize));
            try
            {
                for (long begin = 0; begin < block.Elements; begin += window)
                {
                    long count = Math.Min(window, block.Elements - begin);
                    using torch.Tensor input = torch.zeros([group.Size, count], byType.Key);
                    block.Pack(input, begin);
                    using torch.Tensor reduced = torch.empty(count, byType.Key);
                    traffic.ReduceScatter(input);
                    group.ReduceScatter(input, reduced, ReduceOp.Average);
                    using torch.Tensor target = output.narrow(0, begin, count);
                    target.copy_(reduced);
                }
            }
            finally
            {
                block.Dispose();
            }
            block.Unpack(output);
        }
    }

    /// <summary>
    /// The tensors of one dtype back to back: rank r's block holds its rows of every tensor, each padded to the chunk
    /// (<see cref="ShardedSlot.ChunkRows"/> rows), so every rank's block has the same count. Rows of a tensor without a
    /// gradient on this rank stay zeros.
    /// </summary>
    private sealed class FusedBlock : IDisposable
    {
        private readonly List<Item> _items;
        private readonly long[] _offsets;
        private readonly torch.Tensor?[][] _rankRows;

        public FusedBlock(List<Item> items, int ranks)
        {
            _items = items;
            _offsets = new long[items.Count];
            _rankRows = new torch.Tensor?[items.Count][];
            long offset = 0;
            for (int i = 0; i < items.Count; i++)
            {
                _offsets[i] = offset;
                offset += items[i].Slot.ChunkRows * items[i].Slot.RowElements;
                _rankRows[i] = new torch.Tensor?[ranks];
                if (items[i].FullGrad is not { } full) continue;
                for (int rank = 0; rank < ranks; rank++)
                {
                    (long start, long rows) = ShardMath.RowsOf(items[i].Slot.GlobalShape[0], ranks, rank);
                    if (rows == 0) continue;
                    using torch.Tensor slice = full.narrow(0, start, rows);
                    _rankRows[i][rank] = slice.reshape(-1); // a view when the gradient is contiguous, as autograd's are
                }
            }
            Elements = offset;
        }

        /// <summary>Elements of one rank's block.</summary>
        public long Elements { get; }

        /// <summary>Fills row r of <paramref name="input"/> with elements [begin, begin + width) of rank r's block.</summary>
        public void Pack(torch.Tensor input, long begin)
        {
            long end = begin + input.shape[1];
            for (int i = 0; i < _items.Count; i++)
            {
                for (int rank = 0; rank < _rankRows[i].Length; rank++)
                {
                    if (_rankRows[i][rank] is not { } rows) continue;
                    long from = Math.Max(begin, _offsets[i]), to = Math.Min(end, _offsets[i] + rows.shape[0]);
                    if (from >= to) continue;
                    using torch.Tensor rankInput = input[rank];
                    using torch.Tensor target = rankInput.narrow(0, from - begin, to - from);
                    using torch.Tensor source = rows.narrow(0, from - _offsets[i], to - from);
                    target.copy_(source);
                }
            }
        }

        /// <summary>Adds this rank's averaged rows of every tensor (from its reduced block) to the shard's gradient.</summary>
        public void Unpack(torch.Tensor output)
        {
            for (int i = 0; i < _items.Count; i++)
            {
                ShardedSlot slot = _items[i].Slot;
                using torch.Tensor own = output.narrow(0, _offsets[i], slot.RowCount * slot.RowElements);
                long[] shape = [slot.RowCount, .. slot.GlobalShape.Skip(1)];
                using torch.Tensor shard = own.view(shape);
                Accumulate(_items[i].Member, shard);
            }
        }

        public void Dispose()
        {
            foreach (torch.Tensor?[] rows in _rankRows)
            {
                foreach (torch.Tensor? row in rows) row?.Dispose();
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
