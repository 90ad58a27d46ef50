using ModelGen.Native;
using ModelGen.Distributed;
using TorchSharp;

namespace ModelGen.Loading;

/// <summary>One tensor to materialize: rank 0 fills it (read or initialize), every other rank receives it.</summary>
internal sealed record TransferItem(long[] Shape, torch.ScalarType DType, Action<torch.Tensor> FillOnRoot, Func<string> Describe)
{
    public long ByteCount { get; } = ScalarTypes.ByteCount(Shape, DType);
}

/// <summary>
/// Moves tensors from rank 0 to every rank in batches, so that the number of collectives does not grow with the
/// number of small tensors: per batch, one agreement that rank 0 filled everything, one broadcast of all small
/// tensors packed together, and one broadcast per large tensor. Every destination is a fresh CPU tensor that is
/// filled exactly once; only small tensors (bounded by <see cref="PackLimitBytes"/> per batch) are copied twice.
/// </summary>
internal static class TensorTransfer
{
    /// <summary>Tensors up to this size travel packed with the other small tensors of their batch.</summary>
    public const long SmallTensorBytes = 1L << 20;

    /// <summary>Largest packed buffer of small tensors per batch.</summary>
    public const long PackLimitBytes = 16L << 20;

    /// <summary>Largest amount of tensor data rank 0 fills before the ranks agree and the data moves.</summary>
    public const long BatchBytes = 256L << 20;

    /// <summary>Splits items, in order, into batches bounded by <see cref="BatchBytes"/> and <see cref="PackLimitBytes"/>.</summary>
    public static IEnumerable<IReadOnlyList<T>> Batches<T>(IReadOnlyList<T> items, Func<T, long> bytes)
    {
        var batch = new List<T>();
        long total = 0, packed = 0;
        foreach (T item in items)
        {
            long size = bytes(item);
            bool small = size <= SmallTensorBytes;
            if (batch.Count > 0 && (total + size > BatchBytes || (small && packed + size > PackLimitBytes)))
            {
                yield return batch;
                batch = [];
                total = packed = 0;
            }
            batch.Add(item);
            total += size;
            if (small) packed += size;
        }
        if (batch.Count > 0) yield return batch;
    }

    /// <summary>
    /// Allocates the batch's tensors on the CPU, lets rank 0 fill them, agrees on failure (every rank throws the same
    /// <see cref="DistributedLoadException"/>), then broadcasts. Returns the tensors in item order.
    /// </summary>
    public static torch.Tensor[] Run(IProcessGroup group, IReadOnlyList<TransferItem> batch, string model)
    {
        var tensors = new torch.Tensor[batch.Count];
        try
        {
            for (int i = 0; i < batch.Count; i++)
                tensors[i] = torch.empty(batch[i].Shape, batch[i].DType, torch.CPU);

            Exception? failure = null;
            if (group.Rank == 0)
                failure = FillOnRoot(batch, tensors, model);
            if (group.AgreeOnError(failure) is { } agreed)
                throw agreed;
            if (group.Size > 1)
                Broadcast(group, batch, tensors);
            return tensors;
        }
        catch
        {
            foreach (torch.Tensor? t in tensors) t?.Dispose();
            throw;
        }
    }

    private static Exception? FillOnRoot(IReadOnlyList<TransferItem> batch, torch.Tensor[] tensors, string model)
    {
        for (int i = 0; i < batch.Count; i++)
        {
            try
            {
                batch[i].FillOnRoot(tensors[i]);
            }
#pragma warning disable CA1031 // Every failure must reach the other ranks; the agreed exception carries it.
            catch (Exception e)
#pragma warning restore CA1031
            {
                return new InvalidOperationException($"{model}: rank 0 failed {batch[i].Describe()}: {e.Message}", e);
            }
        }
        return null;
    }

    private static unsafe void Broadcast(IProcessGroup group, IReadOnlyList<TransferItem> batch, torch.Tensor[] tensors)
    {
        var small = Enumerable.Range(0, batch.Count).Where(i => batch[i].ByteCount > 0 && batch[i].ByteCount <= SmallTensorBytes).ToArray();
        if (small.Length > 0)
        {
            long packedBytes = small.Sum(i => batch[i].ByteCount);
            using torch.Tensor packed = torch.empty(packedBytes, torch.ScalarType.Byte, torch.CPU);
            byte* pack = (byte*)TensorMemory.DataPointer(packed);
            long offset = 0;
            if (group.Rank == 0)
            {
                foreach (int i in small)
                {
                    Buffer.MemoryCopy((void*)TensorMemory.DataPointer(tensors[i]), pack + offset, batch[i].ByteCount, batch[i].ByteCount);
                    offset += batch[i].ByteCount;
                }
            }
            group.Broadcast(packed, root: 0);
            if (group.Rank != 0)
            {
                foreach (int i in small)
                {
                    Buffer.MemoryCopy(pack + offset, (void*)TensorMemory.DataPointer(tensors[i]), batch[i].ByteCount, batch[i].ByteCount);
                    offset += batch[i].ByteCount;
                }
            }
        }
        for (int i = 0; i < batch.Count; i++)
        {
            if (batch[i].ByteCount > SmallTensorBytes)
                group.Broadcast(tensors[i], root: 0);
        }
    }
}
