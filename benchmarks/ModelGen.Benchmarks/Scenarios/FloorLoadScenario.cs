using System.Diagnostics;
using ModelGen.Benchmarks.Measurement;
using ModelGen.Diagnostics;
using ModelGen.Distributed;
using ModelGen.Native;
using ModelGen.SafeTensors;
using TorchSharp;

namespace ModelGen.Benchmarks.Scenarios;

/// <summary>
/// The physical floor of distributed loading on this machine: rank 0 reads every tensor's bytes once into fresh
/// memory (allocated like libtorch's large tensors) and the bytes are broadcast raw into fresh memory on the other
/// ranks. No model, no dtype logic, no torch calls, and as few collectives as the bytes allow: consecutive tensors
/// travel together in chunks of up to <see cref="ChunkBytes"/>, with one synchronization per chunk.
/// </summary>
internal static class FloorLoadScenario
{
    private const long ChunkBytes = 256L << 20;

    public static LoadResult Run(string checkpointPath)
    {
        using IProcessGroup group = ProcessGroups.FromEnvironment();
        bool hugePages = NativeEnvironment.HugePagesRequested;
        // Same baseline as the other scenarios: the torch libraries are loaded before measuring.
        using (torch.empty(1, device: torch.CPU)) { }
        group.Barrier();

        long rssBefore = ProcessMemory.CurrentRssBytes();
        var clock = Stopwatch.StartNew();
        SafeTensorsCheckpoint? checkpoint = group.Rank == 0 ? SafeTensorsCheckpoint.Open(checkpointPath) : null;
        long[] sizes = ShareSizes(group, checkpoint);
        var buffers = new List<HugePageBuffer>();
        long bytes = 0;
        foreach ((int first, int count, long length) in Chunks(sizes))
        {
            var buffer = new HugePageBuffer(length, hugePages);
            buffers.Add(buffer);
            if (checkpoint is not null) ReadChunk(checkpoint, first, count, buffer);
            if (group.Size > 1)
            {
                // The one synchronization a rank-0 loader needs before sending (the loader's error agreement is the
                // same reduction): with more ranks than cores, waiting ranks sleep in it while rank 0 reads.
                group.AllReduceMax(0);
                unsafe { group.BroadcastNative((nint)buffer.Pointer, length, root: 0); }
            }
            bytes += length;
        }
        group.Barrier();
        double seconds = clock.Elapsed.TotalSeconds;
        var result = new LoadResult("floor", group.Rank, group.Size, bytes, rssBefore, ProcessMemory.PeakRssBytes(), seconds, 0);
        checkpoint?.Dispose();
        foreach (HugePageBuffer buffer in buffers) buffer.Dispose();
        return result;
    }

    /// <summary>Consecutive tensors grouped into chunks of at most <see cref="ChunkBytes"/> (a larger tensor is a chunk alone).</summary>
    private static IEnumerable<(int First, int Count, long Length)> Chunks(long[] sizes)
    {
        int first = 0;
        long length = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            if (i > first && length + sizes[i] > ChunkBytes)
            {
                yield return (first, i - first, length);
                first = i;
                length = 0;
            }
            length += sizes[i];
        }
        if (sizes.Length > first) yield return (first, sizes.Length - first, length);
    }

    private static unsafe void ReadChunk(SafeTensorsCheckpoint checkpoint, int first, int count, HugePageBuffer buffer)
    {
        long offset = 0;
        for (int i = first; i < first + count; i++)
        {
            SafeTensorsEntry entry = checkpoint.Entries[i];
            using var file = File.OpenHandle(entry.FilePath, FileMode.Open, FileAccess.Read, FileShare.Read);
            RawRead.Into(file, entry.FileOffset, buffer.Pointer + offset, entry.ByteLength);
            offset += entry.ByteLength;
        }
    }

    /// <summary>Rank 0 tells the others how many bytes each tensor has, in checkpoint order.</summary>
    private static long[] ShareSizes(IProcessGroup group, SafeTensorsCheckpoint? checkpoint)
    {
        long[] local = checkpoint?.Entries.Select(e => e.ByteLength).ToArray() ?? [];
        byte[] message = group.BroadcastMessage(System.Runtime.InteropServices.MemoryMarshal.AsBytes(local.AsSpan()));
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(message).ToArray();
    }
}
