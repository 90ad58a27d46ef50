using System.Diagnostics;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using ModelGen.Benchmarks.Measurement;
using ModelGen.Diagnostics;
using ModelGen.Distributed;
using ModelGen.Native;
using ModelGen.SafeTensors;
using TorchSharp;

namespace ModelGen.Benchmarks.Scenarios;

/// <summary>
/// The floor of fully sharded loading on one machine: rank 0 maps the checkpoint; every other rank copies only its
/// <c>torch.chunk</c> rows of each tensor (one contiguous byte range) straight out of rank 0's memory into fresh memory
/// from libtorch's allocator. Rank 0 keeps only its own rows resident: the checkpoint goes by in windows of a bounded
/// size, rank 0 making window k + 1 resident while the others copy window k, and dropping window k - 1's pages outside
/// its own rows once they copied it. One synchronization per window; no model, no torch logic. With
/// <c>verify</c>, every rank afterwards (outside the measurement) compares the rows it holds with the file.
/// </summary>
internal static class ShardedFloorLoadScenario
{
    /// <summary>The default window: rank 0 holds at most two windows beyond its own rows.</summary>
    public const long DefaultWindowBytes = 64L << 20;

    public static unsafe LoadResult Run(string checkpointPath, long windowBytes, bool verify = false)
    {
        using IProcessGroup group = ProcessGroups.FromEnvironment();
        using (torch.empty(1, device: torch.CPU)) { }
        group.Barrier();

        long rssBefore = ProcessMemory.CurrentRssBytes();
        var clock = Stopwatch.StartNew();
        var views = new List<(MemoryMappedFile File, MemoryMappedViewAccessor View)>();
        long[] table = []; // process id, then (address, length, rows of dim 0 or -1 for 0-d) per tensor
        if (group.Rank == 0)
        {
            using SafeTensorsCheckpoint checkpoint = SafeTensorsCheckpoint.Open(checkpointPath);
            PeerMemory.AllowPeersToRead();
            var starts = new Dictionary<string, nint>(StringComparer.Ordinal);
            foreach (SafeTensorsFile file in checkpoint.Files)
            {
                var mapped = MemoryMappedFile.CreateFromFile(file.FilePath, FileMode.Open, null, 0, MemoryMappedFileAccess.CopyOnWrite);
                var view = mapped.CreateViewAccessor(0, 0, MemoryMappedFileAccess.CopyOnWrite);
                byte* start = null;
                view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
                views.Add((mapped, view));
                starts[file.FilePath] = (nint)(start + view.PointerOffset);
            }
            // File by file, in file order: each window is one run of neighbouring pages.
            table = [Environment.ProcessId, .. checkpoint.Entries
                .OrderBy(e => e.FilePath, StringComparer.Ordinal).ThenBy(e => e.FileOffset)
                .SelectMany(e => new[] { (long)(starts[e.FilePath] + (nint)e.FileOffset), e.ByteLength, e.Shape.Count == 0 ? -1 : e.Shape[0] })];
        }
        table = MemoryMarshal.Cast<byte, long>(group.BroadcastMessage(MemoryMarshal.AsBytes(table.AsSpan()))).ToArray();
        int rootProcessId = (int)table[0];
        var tensors = new MappedTensor[(table.Length - 1) / 3];
        for (int i = 0; i < tensors.Length; i++)
            tensors[i] = new MappedTensor((nint)table[1 + 3 * i], table[2 + 3 * i], table[3 + 3 * i]);
        var slices = Enumerable.Range(0, tensors.Length).Select(i => ShardSlices.SliceOf(tensors, i, group.Size, group.Rank)).ToArray();
        var windows = ShardSlices.Windows(tensors, windowBytes);

        var buffers = new TorchBuffer?[tensors.Length];
        long received = 0;
        if (group.Rank == 0 && windows.Count > 0) Populate(tensors, windows[0]);
        for (int k = 0; k < windows.Count; k++)
        {
            // Window k is resident on rank 0 and every rank has copied window k - 1.
            group.AllReduceMax(0);
            if (group.Rank == 0)
            {
                if (k > 0) ReleaseOthersRows(tensors, slices, windows[k - 1]);
                if (k + 1 < windows.Count) Populate(tensors, windows[k + 1]);
            }
            else
            {
                received += CopyOwnRows(rootProcessId, tensors, slices, buffers, windows[k]);
            }
        }
        group.AllReduceMax(0);
        if (group.Rank == 0 && windows.Count > 0) ReleaseOthersRows(tensors, slices, windows[^1]);
        double seconds = clock.Elapsed.TotalSeconds;

        long kept = slices.Sum(s => s.Length);
        long modelBytes = tensors.Sum(t => t.Length);
        var result = new LoadResult("floor-sharded", group.Rank, group.Size, kept, rssBefore, ProcessMemory.PeakRssBytes(), seconds, 0)
        {
            ModelBytes = modelBytes,
            ReceivedBytes = received,
            Placement = "FullyShard",
        };
        if (verify) Verify(checkpointPath, group, tensors, slices, buffers);
        foreach (var (file, view) in views)
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
            file.Dispose();
        }
        foreach (TorchBuffer? buffer in buffers) buffer?.Dispose();
        return result;
    }

    /// <summary>Compares each row range this rank holds with the same bytes read from the checkpoint file.</summary>
    private static unsafe void Verify(string checkpointPath, IProcessGroup group, MappedTensor[] tensors, TensorPiece[] slices, TorchBuffer?[] buffers)
    {
        using SafeTensorsCheckpoint checkpoint = SafeTensorsCheckpoint.Open(checkpointPath);
        SafeTensorsEntry[] entries = checkpoint.Entries.OrderBy(e => e.FilePath, StringComparer.Ordinal).ThenBy(e => e.FileOffset).ToArray();
        var expected = new byte[1 << 20];
        for (int i = 0; i < entries.Length; i++)
        {
            TensorPiece slice = slices[i];
            if (slice.Length == 0) continue;
            byte* held = group.Rank == 0 ? (byte*)(tensors[i].Address + (nint)slice.Begin)
                : buffers[i] is { } buffer ? buffer.Pointer
                : throw new InvalidDataException($"rank {group.Rank} received nothing of '{entries[i].Name}' in {entries[i].FilePath}, though it keeps {slice.Length} bytes of it");
            using var file = File.OpenHandle(entries[i].FilePath, FileMode.Open, FileAccess.Read, FileShare.Read);
            for (long done = 0; done < slice.Length;)
            {
                int length = RandomAccess.Read(file, expected.AsSpan(0, (int)Math.Min(expected.Length, slice.Length - done)), entries[i].FileOffset + slice.Begin + done);
                if (length <= 0) throw new EndOfStreamException($"{entries[i].FilePath} ends inside '{entries[i].Name}'");
                if (!new ReadOnlySpan<byte>(held + done, length).SequenceEqual(expected.AsSpan(0, length)))
                    throw new InvalidDataException($"rank {group.Rank} holds bytes of '{entries[i].Name}' in {entries[i].FilePath} that differ from the file within [{slice.Begin + done}, {slice.Begin + done + length}) of the tensor");
                done += length;
            }
        }
    }

    private static void Populate(MappedTensor[] tensors, IReadOnlyList<TensorPiece> window)
    {
        foreach (TensorPiece piece in window)
            PageResidency.Populate(tensors[piece.Tensor].Address + (nint)piece.Begin, piece.Length);
    }

    private static void ReleaseOthersRows(MappedTensor[] tensors, TensorPiece[] ownSlices, IReadOnlyList<TensorPiece> window)
    {
        foreach (TensorPiece piece in window)
        {
            var (before, after) = ShardSlices.Outside(piece, ownSlices[piece.Tensor]);
            nint address = tensors[piece.Tensor].Address;
            PageResidency.Release(address + (nint)before.Begin, before.Length);
            PageResidency.Release(address + (nint)after.Begin, after.Length);
        }
    }

    /// <summary>Copies this rank's rows inside <paramref name="window"/> out of rank 0; returns the bytes copied.</summary>
    private static unsafe long CopyOwnRows(int rootProcessId, MappedTensor[] tensors, TensorPiece[] slices, TorchBuffer?[] buffers, IReadOnlyList<TensorPiece> window)
    {
        var ranges = new List<PeerRange>();
        long bytes = 0;
        foreach (TensorPiece piece in window)
        {
            TensorPiece slice = slices[piece.Tensor];
            TensorPiece part = ShardSlices.Overlap(piece, slice);
            if (part.Length == 0) continue;
            TorchBuffer buffer = buffers[piece.Tensor] ??= new TorchBuffer(slice.Length);
            ranges.Add(new PeerRange((nint)(buffer.Pointer + (part.Begin - slice.Begin)), tensors[piece.Tensor].Address + (nint)part.Begin, part.Length));
            bytes += part.Length;
        }
        if (ranges.Count > 0) PeerMemory.Read(rootProcessId, ranges);
        return bytes;
    }
}
