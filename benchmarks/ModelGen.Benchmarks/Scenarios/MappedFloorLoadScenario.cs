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
/// The floor of loading when rank 0 keeps the checkpoint's pages (the page cache) as its copy, as the loader does by
/// default: rank 0 maps every file and makes it resident; every other rank copies each tensor's raw bytes straight
/// out of rank 0's memory into fresh memory from libtorch's allocator, chunk by chunk. No model, no torch logic, one
/// copy per received byte, and rank 0 only waits.
/// </summary>
internal static class MappedFloorLoadScenario
{
    private const long ChunkBytes = 256L << 20;

    public static unsafe LoadResult Run(string checkpointPath)
    {
        using IProcessGroup group = ProcessGroups.FromEnvironment();
        using (torch.empty(1, device: torch.CPU)) { }
        group.Barrier();

        long rssBefore = ProcessMemory.CurrentRssBytes();
        var clock = Stopwatch.StartNew();
        var views = new List<(MemoryMappedFile File, MemoryMappedViewAccessor View)>();
        var buffers = new List<TorchBuffer>();
        long[] table = []; // process id, then (address, length) per tensor
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
            table = [Environment.ProcessId, .. checkpoint.Entries.SelectMany(e => new[] { (long)(starts[e.FilePath] + (nint)e.FileOffset), e.ByteLength })];
            foreach (SafeTensorsEntry entry in checkpoint.Entries)
                PageResidency.Populate(starts[entry.FilePath] + (nint)entry.FileOffset, entry.ByteLength);
        }
        table = MemoryMarshal.Cast<byte, long>(group.BroadcastMessage(MemoryMarshal.AsBytes(table.AsSpan()))).ToArray();
        int rootProcessId = (int)table[0];
        long bytes = 0;
        for (int i = 1; i < table.Length; i += 2) bytes += table[i + 1];

        if (group.Rank != 0)
        {
            var chunk = new List<PeerRange>();
            long chunkBytes = 0;
            for (int i = 1; i < table.Length; i += 2)
            {
                var buffer = new TorchBuffer(table[i + 1]);
                buffers.Add(buffer);
                chunk.Add(new PeerRange((nint)buffer.Pointer, (nint)table[i], table[i + 1]));
                chunkBytes += table[i + 1];
                if (chunkBytes >= ChunkBytes || i + 2 >= table.Length)
                {
                    PeerMemory.Read(rootProcessId, chunk);
                    chunk.Clear();
                    chunkBytes = 0;
                }
            }
        }
        // Rank 0 sleeps here (the patient reduction) while the others copy.
        group.AllReduceMax(0);
        double seconds = clock.Elapsed.TotalSeconds;
        var result = new LoadResult("floor-mapped", group.Rank, group.Size, bytes, rssBefore, ProcessMemory.PeakRssBytes(), seconds, 0);
        foreach (var (file, view) in views)
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
            file.Dispose();
        }
        foreach (TorchBuffer buffer in buffers) buffer.Dispose();
        return result;
    }
}
