using System.Diagnostics;
using ModelGen.Benchmarks.Measurement;
using ModelGen.Diagnostics;
using ModelGen.Distributed;
using ModelGen.SafeTensors;
using TorchSharp;

namespace ModelGen.Benchmarks.Scenarios;

/// <summary>
/// The physical floor of distributed loading on this machine: rank 0 reads every tensor's bytes once into fresh
/// memory (from libtorch's allocator, as loaded tensors are) and the bytes are broadcast raw into fresh memory on
/// the other ranks. No model, no dtype logic, no torch calls, and as few collectives as the bytes allow: consecutive tensors
/// travel together in chunks of up to <see cref="ChunkBytes"/>, with one synchronization per chunk.
/// </summary>
internal static class FloorLoadScenario
{
    private const long ChunkBytes = 256L << 20;

    public static LoadResult Run(string checkpointPath)
    {
        using IProcessGroup group = ProcessGroups.FromEnvironment();
        // Same baseline as the other scenarios: the torch libraries are loaded before measuring.
        using (torch.empty(1, device: torch.CPU)) { }
        group.Barrier();

        long rssBefore = ProcessMemory.CurrentRssBytes();
        var clock = Stopwatch.StartNew();
        SafeTensorsCheckpoint? checkpoint = group.Rank == 0 ? SafeTensorsCheckpoint.Open(checkpointPath) : null;
        long[] sizes = ShareSizes(group, checkpoint);
        var buffers = new List<TorchBuffer>();
        long bytes = 0;
        foreach ((int first, int count, long length) in Chunks(sizes))
        {
            var chunk = Enumerable.Range(first, count).Select(i => new TorchBuffer(sizes[i])).ToArray();
            buffers.AddRange(chunk);
            if (checkpoint is not null)
            {
                for (int i = 0; i < count; i++)
                    ReadTensor(checkpoint.Entries[first + i], chunk[i]);
            }
            if (group.Size > 1)
            {
                // The one synchronization a rank-0 loader needs before sending (the loader's error agreement is the
                // same reduction): with more ranks than cores, waiting ranks sleep in it while rank 0 reads.
                group.AllReduceMax(0);
                foreach (TorchBuffer buffer in chunk)
                {
                    if (buffer.Length > 0)
                        unsafe { group.BroadcastNative((nint)buffer.Pointer, buffer.Length, root: 0); }
                }
            }
            bytes += length;
        }
        group.Barrier();
        double seconds = clock.Elapsed.TotalSeconds;
        var result = new LoadResult("floor", group.Rank, group.Size, bytes, rssBefore, ProcessMemory.PeakRssBytes(), seconds, 0);
        checkpoint?.Dispose();
        foreach (TorchBuffer buffer in buffers) buffer.Dispose();
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

    private static unsafe void ReadTensor(SafeTensorsEntry entry, TorchBuffer buffer)
    {
        using var file = File.OpenHandle(entry.FilePath, FileMode.Open, FileAccess.Read, FileShare.Read);
        RawRead.Into(file, entry.FileOffset, buffer.Pointer, entry.ByteLength);
    }

    /// <summary>Rank 0 tells the others how many bytes each tensor has, in checkpoint order.</summary>
    private static long[] ShareSizes(IProcessGroup group, SafeTensorsCheckpoint? checkpoint)
    {
        long[] local = checkpoint?.Entries.Select(e => e.ByteLength).ToArray() ?? [];
        byte[] message = group.BroadcastMessage(System.Runtime.InteropServices.MemoryMarshal.AsBytes(local.AsSpan()));
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(message).ToArray();
    }
}
