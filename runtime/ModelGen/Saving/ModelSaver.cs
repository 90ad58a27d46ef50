using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using ModelGen.Distributed;
using ModelGen.Mapping;
using ModelGen.Native;
using ModelGen.SafeTensors;
using ModelGen.Sharding;
using TorchSharp;

namespace ModelGen.Saving;

/// <summary>
/// Writes a model back as a Hugging Face checkpoint folder: <c>model-0000k-of-0000n.safetensors</c> shards and
/// <c>model.safetensors.index.json</c>, under the keys the model's slots name (the checkpoint's keys). Rank 0 writes;
/// a replicated model is written from rank 0's own tensors, a fully sharded one from rows every rank sends to rank 0
/// piece by piece through a bounded window. Files are written under temporary names and renamed, the index last, so a
/// failed save never leaves a folder that looks like a complete checkpoint. Every failure ends every rank with the same
/// error.
/// </summary>
public static class ModelSaver
{
    /// <summary>
    /// Saves <paramref name="model"/> into <paramref name="directory"/>. Every rank of the job calls it. Tied aliases are
    /// written once, under the key they are tied to (as transformers' <c>save_pretrained</c> does); computed buffers are
    /// not written (the model recomputes them on load); every other parameter and buffer is.
    /// </summary>
    /// <param name="model">A loaded (or initialized) model, replicated or fully sharded (<see cref="ModelSharding.Of"/>).</param>
    /// <param name="directory">The folder to write; created when missing. Only rank 0 touches it.</param>
    /// <param name="options">Shard size, window, overwrite policy, progress; defaults when <see langword="null"/>.</param>
    /// <returns>What was written, on every rank.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="SaveOptions.MaxShardBytes"/> is not positive or <see cref="SaveOptions.WindowBytes"/> is not a positive multiple of 8.</exception>
    /// <exception cref="DistributedLoadException">
    /// Some rank failed (a tensor still on the meta device, ranks holding different models, a folder that already holds a
    /// checkpoint, a write that failed); thrown on every rank with the same message, which names the key or the file.
    /// </exception>
    public static SaveReport Save(IShardedModel model, string directory, SaveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= new SaveOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxShardBytes, nameof(options));
        if (options.WindowBytes <= 0 || options.WindowBytes % 8 != 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.WindowBytes, $"{nameof(SaveOptions.WindowBytes)} must be a positive multiple of 8.");

        ModelSharding? sharding = ModelSharding.Of(model);
        IProcessGroup group = options.ProcessGroup ?? sharding?.Group ?? ProcessGroups.FromEnvironment();
        return new SaveRun(model, directory, options, sharding, group).Execute();
    }

    /// <summary>One save, from the plan to the last rename.</summary>
    private sealed unsafe class SaveRun(IShardedModel model, string directory, SaveOptions options, ModelSharding? sharding, IProcessGroup group)
    {
        private readonly string _modelName = model.GetType().FullName ?? model.GetType().Name;
        private readonly bool _isRoot = group.Rank == 0;

        /// <summary>
        /// This rank's first failure. Once set, the rank does no more local work but still takes part in every collective
        /// up to the next agreement, where every rank stops with it.
        /// </summary>
        private Exception? _failure;

        public SaveReport Execute()
        {
            var clock = Stopwatch.StartNew();
            SavePlan plan = AgreeOnPlan();
            var folder = new SaveFolder(directory);
            group.ThrowIfAnyRankFailed(_isRoot ? LocalFailure.Of(() => folder.Prepare(options.Overwrite)) : null);
            string folderPath = Encoding.UTF8.GetString(group.BroadcastMessage(Encoding.UTF8.GetBytes(folder.FullPath)));

            long window = plan.LargestShardedBytes == 0 ? 0 : Math.Min(options.WindowBytes, (plan.LargestShardedBytes + 7) / 8 * 8);
            nint windowAddress = 0;
            var gather = new PieceGather(group);
            try
            {
                // A failed allocation reaches the other ranks at the first piece's agreement, before any gather.
                if (_isRoot && window > 0) Try(() => windowAddress = (nint)NativeMemory.Alloc((nuint)window));
                using (torch.no_grad())
                    WriteShards(plan, folder, window, windowAddress, gather);
            }
            catch
            {
                if (_isRoot) folder.RemoveNewFiles();
                throw;
            }
            finally
            {
                NativeMemory.Free((void*)windowAddress);
            }

            return new SaveReport
            {
                Rank = group.Rank,
                Ranks = group.Size,
                IndexPath = Path.Combine(folderPath, SafeTensorsCheckpoint.IndexFileName),
                ShardPaths = plan.Files.Select(f => Path.Combine(folderPath, f.FileName)).ToArray(),
                WrittenKeys = plan.Entries.Select(e => e.Key).ToArray(),
                TiedKeys = plan.Tied,
                ComputedKeys = plan.Computed,
                TotalBytes = plan.TotalBytes,
                BytesReceived = gather.BytesReceived,
                WindowBytes = windowAddress == 0 ? 0 : window,
                Seconds = clock.Elapsed.TotalSeconds,
            };
        }

        /// <summary>Every rank plans from its own model; the ranks then check that they planned the same files.</summary>
        private SavePlan AgreeOnPlan()
        {
            SavePlan? plan = null;
            group.ThrowIfAnyRankFailed(LocalFailure.Of(() =>
                plan = SavePlan.Build(_modelName, model.GetTensorSlots(), sharding, group.Rank, group.Size, options.MaxShardBytes)));
            long signature = plan!.Signature();
            // Equal everywhere exactly when the largest and the smallest signature are this rank's.
            bool same = group.AllReduceMax(signature) == signature & group.AllReduceMax(-signature) == -signature;
            group.ThrowIfAnyRankFailed(same ? null : new InvalidOperationException(
                $"{_modelName}: rank {group.Rank} would save other tensors (keys, shapes, dtypes or placement) than another rank; every rank must save the same model."));
            return plan;
        }

        private void WriteShards(SavePlan plan, SaveFolder folder, long window, nint windowAddress, PieceGather gather)
        {
            var temporaries = new List<string>(plan.Files.Count);
            int tensorsTotal = plan.Entries.Count, tensorsDone = 0;
            long bytesDone = 0;
            foreach (SaveFile file in plan.Files)
            {
                SafeTensorsStreamingWriter? writer = null;
                if (_isRoot)
                {
                    string temporary = folder.Temporary(file.FileName);
                    temporaries.Add(temporary);
                    Try(() => writer = new SafeTensorsStreamingWriter(temporary, file.Entries.Select(e => e.Layout).ToArray(), options.Metadata));
                }
                try
                {
                    foreach (SaveEntry entry in file.Entries)
                    {
                        if (entry.Sharded is null)
                        {
                            if (_isRoot) Try(() => WriteWhole(writer!, entry, window));
                        }
                        else
                        {
                            WriteSharded(writer, entry, file.FileName, window, windowAddress, gather);
                        }
                        tensorsDone++;
                        bytesDone += entry.Layout.ByteLength;
                        if (_isRoot && _failure is null)
                            options.Progress?.Report(new SaveProgress(entry.Key, file.FileName, tensorsDone, tensorsTotal, bytesDone, plan.TotalBytes));
                    }
                    if (_isRoot)
                        Try(() =>
                        {
                            options.OnStage?.Invoke(SaveStage.ShardWritten, file.FileName);
                            writer!.Complete();
                        });
                }
                finally
                {
                    writer?.Dispose();
                }
            }

            // Nothing is renamed before every rank has done its part without failing.
            group.ThrowIfAnyRankFailed(_failure);
            if (_isRoot)
                Try(() =>
                {
                    options.OnStage?.Invoke(SaveStage.Commit, SafeTensorsCheckpoint.IndexFileName);
                    string index = folder.WriteIndexTemporary(plan.Files.SelectMany(f => f.Entries.Select(e => (e.Key, f.FileName))), plan.TotalBytes);
                    folder.Commit(temporaries, index);
                });
            group.ThrowIfAnyRankFailed(_failure);
        }

        /// <summary>On rank 0, a tensor it holds whole: straight from its memory, or through bounded CPU copies.</summary>
        private void WriteWhole(SafeTensorsStreamingWriter writer, SaveEntry entry, long window)
        {
            long bytes = entry.Layout.ByteLength;
            if (bytes == 0) return;
            using torch.Tensor tensor = entry.Local.detach();
            if (tensor.device_type == DeviceType.CPU && tensor.is_contiguous())
            {
                writer.Append(TensorMemory.DataPointer(tensor), bytes);
                return;
            }
            long step = Math.Max(window, SaveOptions.DefaultWindowBytes);
            for (long done = 0; done < bytes; done += step)
            {
                (nint address, torch.Tensor? staged) = Stage(tensor, done, Math.Min(step, bytes - done));
                using (staged)
                    writer.Append(address, Math.Min(step, bytes - done));
            }
        }

        /// <summary>
        /// A sharded tensor, piece by piece: every rank sends the bytes of its rows that fall into the piece, rank 0
        /// receives them into the window and appends it. The ranks agree on failures before every piece.
        /// </summary>
        private void WriteSharded(SafeTensorsStreamingWriter? writer, SaveEntry entry, string fileName, long window, nint windowAddress, PieceGather gather)
        {
            ShardedSlot sharded = entry.Sharded!;
            long total = entry.Layout.ByteLength;
            long rows = SavePlan.Rows(entry.Layout.Shape);
            int size = group.Size;
            Span<long> begins = stackalloc long[size], ends = stackalloc long[size], counts = stackalloc long[size], offsets = stackalloc long[size];
            for (int r = 0; r < size; r++)
            {
                (long start, long count) = ShardMath.RowsOf(rows, size, r);
                begins[r] = start * sharded.RowBytes;
                ends[r] = (start + count) * sharded.RowBytes;
            }

            using torch.Tensor local = entry.Local.detach();
            for (long pieceStart = 0; pieceStart < total; pieceStart += window)
            {
                long pieceBytes = Math.Min(window, total - pieceStart);
                for (int r = 0; r < size; r++)
                {
                    long from = Math.Max(pieceStart, begins[r]), to = Math.Min(pieceStart + pieceBytes, ends[r]);
                    counts[r] = Math.Max(0, to - from);
                    offsets[r] = counts[r] == 0 ? 0 : from - pieceStart;
                }
                long mine = counts[group.Rank];
                long myOffset = Math.Max(pieceStart, begins[group.Rank]) - begins[group.Rank];
                nint send = 0;
                torch.Tensor? staged = null;
                Try(() =>
                {
                    options.OnStage?.Invoke(SaveStage.Piece, fileName);
                    if (mine > 0) (send, staged) = Stage(local, myOffset, mine);
                });
                try
                {
                    // A rank that failed would send nothing: agree first, so no rank waits in the gather.
                    group.ThrowIfAnyRankFailed(_failure);
                    gather.Gather(send, mine, windowAddress, counts, offsets);
                }
                finally
                {
                    staged?.Dispose();
                }
                if (_isRoot) Try(() => writer!.Append(windowAddress, pieceBytes));
            }
        }

        /// <summary>
        /// The address of <paramref name="byteCount"/> bytes of <paramref name="tensor"/> from <paramref name="byteOffset"/>:
        /// in place for a contiguous CPU tensor, otherwise a CPU copy of just those elements (returned for disposal).
        /// </summary>
        private static (nint Address, torch.Tensor? Staged) Stage(torch.Tensor tensor, long byteOffset, long byteCount)
        {
            if (tensor.device_type == DeviceType.CPU && tensor.is_contiguous())
                return (TensorMemory.DataPointer(tensor) + (nint)byteOffset, null);
            long elementSize = tensor.element_size();
            using torch.Tensor flat = tensor.reshape(-1);
            using torch.Tensor slice = flat.narrow(0, byteOffset / elementSize, byteCount / elementSize);
            torch.Tensor staged = slice.to(torch.CPU).contiguous();
            return (TensorMemory.DataPointer(staged), staged);
        }

        private void Try(Action step)
        {
            if (_failure is null) _failure = LocalFailure.Of(step);
        }
    }
}
