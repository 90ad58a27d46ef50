using ModelGen.Distributed;
using TorchSharp;

namespace ModelGen.Loading.Transfer;

/// <summary>
/// Moves tensors from rank 0 to every rank in batches, so that the number of collectives does not grow with the
/// number of tensors: per batch, one agreement (rank 0 filled it, the previous batch arrived) and the transport's
/// own messages. Every destination is a fresh CPU tensor that is filled exactly once and never initialized.
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
    /// Runs the batches through a two-stage pipeline: rank 0 fills batch k+1 while the transport may still be moving
    /// batch k to the other ranks. Before each batch moves, every rank agrees that rank 0 filled it and that the
    /// previous batch arrived everywhere; only then is the previous batch handed to <paramref name="completed"/>, so
    /// nothing a rank failed to receive is ever placed. On any failure every rank throws the same exception and
    /// disposes the tensors it still owns.
    /// </summary>
    /// <param name="group">The ranks; every rank calls this with the same batches.</param>
    /// <param name="transport">How filled batches reach the other ranks; <see langword="null"/> for a single process.</param>
    /// <param name="batches">The items, in batches (see <see cref="Batches{T}"/>).</param>
    /// <param name="item">The tensor to materialize for an element of a batch.</param>
    /// <param name="model">The model's name, for messages.</param>
    /// <param name="completed">Receives each batch with its tensors, in order, once every rank holds them.</param>
    /// <param name="readsOwnCopy">
    /// Whether this rank, a node's leader other than rank 0, fills the items marked
    /// <see cref="TransferItem.ReadByEveryLeader"/> itself, from its own copy of the checkpoint.
    /// </param>
    public static void Run<T>(IProcessGroup group, IBatchTransport? transport, IEnumerable<IReadOnlyList<T>> batches,
        Func<T, TransferItem> item, string model, Action<IReadOnlyList<T>, torch.Tensor[]> completed, bool readsOwnCopy = false)
    {
        (IReadOnlyList<T> Batch, torch.Tensor[] Tensors)? moving = null;
        torch.Tensor[]? filling = null;
        Exception? moveFailure = null;
        try
        {
            foreach (IReadOnlyList<T> batch in batches)
            {
                TransferItem[] items = batch.Select(item).ToArray();
                filling = new torch.Tensor[items.Length];
                Exception? failure = Allocate(items, filling, model, group.Rank);
                if (failure is null && (group.Rank == 0 || readsOwnCopy))
                    failure = Fill(items, filling, model, group.Rank);
                group.ThrowIfAnyRankFailed(failure ?? moveFailure);

                Exception? placeFailure = CompleteMoving();
                moveFailure = transport?.Move(items, filling) ?? placeFailure;
                moving = (batch, filling);
                filling = null;
            }
            group.ThrowIfAnyRankFailed(moveFailure);
            group.ThrowIfAnyRankFailed(CompleteMoving());
        }
        catch
        {
            DisposeAll(filling);
            DisposeAll(moving?.Tensors);
            throw;
        }

        // Hands the batch in flight to the caller; its failure is agreed on with the next batch, like a move's.
        Exception? CompleteMoving()
        {
            if (moving is not { } arrived) return null;
            moving = null;
            return LocalFailure.Of(() => completed(arrived.Batch, arrived.Tensors));
        }
    }

    /// <summary>Fresh CPU tensors for the batch; on rank 0, mapped items come ready-made instead.</summary>
    private static Exception? Allocate(TransferItem[] items, torch.Tensor[] tensors, string model, int rank)
    {
        bool isRoot = rank == 0;
        for (int i = 0; i < items.Length; i++)
        {
            TransferItem item = items[i];
            bool mapped = isRoot && item.MapOnRoot is not null;
            int slot = i;
            if (LocalFailure.Of(() => tensors[slot] = mapped ? item.MapOnRoot!() : torch.empty(item.Shape, item.DType, torch.CPU)) is { } e)
            {
                string what = mapped
                    ? $"rank 0 failed {item.Describe()} (mapping the file)"
                    : $"rank {rank} could not allocate the tensor for {item.Describe()}";
                return new InvalidOperationException($"{model}: {what}: {e.Message}", e);
            }
        }
        return null;
    }

    /// <summary>Rank 0 fills every item it did not map; another reading leader only the items every leader reads.</summary>
    private static Exception? Fill(TransferItem[] items, torch.Tensor[] tensors, string model, int rank)
    {
        for (int i = 0; i < items.Length; i++)
        {
            TransferItem item = items[i];
            torch.Tensor tensor = tensors[i];
            bool fills = rank == 0 ? item.MapOnRoot is null : item.ReadByEveryLeader;
            if (fills && LocalFailure.Of(() => item.FillOnRoot(tensor)) is { } e)
            {
                return new InvalidOperationException($"{model}: rank {rank} failed {item.Describe()}: {e.Message}", e);
            }
        }
        return null;
    }

    private static void DisposeAll(torch.Tensor[]? tensors)
    {
        if (tensors is null) return;
        foreach (torch.Tensor? t in tensors) t?.Dispose();
    }
}
