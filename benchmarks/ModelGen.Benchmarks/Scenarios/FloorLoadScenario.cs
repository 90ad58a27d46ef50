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
/// memory (allocated like libtorch's large tensors) and broadcasts them raw into fresh memory on the other
/// ranks, tensor by tensor. No model, no dtype logic, no torch calls.
/// </summary>
internal static class FloorLoadScenario
{
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
        var buffers = new List<HugePageBuffer>(sizes.Length);
        long bytes = 0;
        unsafe
        {
            for (int i = 0; i < sizes.Length; i++)
            {
                var buffer = new HugePageBuffer(sizes[i], hugePages);
                if (checkpoint is not null)
                {
                    SafeTensorsEntry entry = checkpoint.Entries[i];
                    using var file = File.OpenHandle(entry.FilePath, FileMode.Open, FileAccess.Read, FileShare.Read);
                    RawRead.Into(file, entry.FileOffset, buffer.Pointer, entry.ByteLength);
                }
                if (group.Size > 1)
                {
                    // The one synchronization any rank-0 loader needs before sending (the loader's error
                    // agreement is the same reduction): with more ranks than cores, waiting ranks sleep in it
                    // instead of spinning in the broadcast while rank 0 reads.
                    group.AllReduceMax(0);
                    group.BroadcastNative((nint)buffer.Pointer, sizes[i], root: 0);
                }
                buffers.Add(buffer);
                bytes += sizes[i];
            }
        }
        group.Barrier();
        double seconds = clock.Elapsed.TotalSeconds;
        var result = new LoadResult("floor", group.Rank, group.Size, bytes, rssBefore, ProcessMemory.PeakRssBytes(), seconds, 0);
        checkpoint?.Dispose();
        foreach (HugePageBuffer buffer in buffers) buffer.Dispose();
        return result;
    }

    /// <summary>Rank 0 tells the others how many bytes each tensor has, in checkpoint order.</summary>
    private static long[] ShareSizes(IProcessGroup group, SafeTensorsCheckpoint? checkpoint)
    {
        long[] local = checkpoint?.Entries.Select(e => e.ByteLength).ToArray() ?? [];
        byte[] message = group.BroadcastMessage(System.Runtime.InteropServices.MemoryMarshal.AsBytes(local.AsSpan()));
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(message).ToArray();
    }
}
