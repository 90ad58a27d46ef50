using System.Diagnostics;
using ModelGen.Benchmarks.Checkpoints;
using ModelGen.Benchmarks.Measurement;
using ModelGen.Diagnostics;
using ModelGen.Native;
using ModelGen.SafeTensors;
using TorchSharp;
using TorchSharp.PyBridge;

namespace ModelGen.Benchmarks.Scenarios;

/// <summary>
/// Reading one safetensors file into fresh memory, three ways: ModelGen's reader into fresh tensors, the floor
/// (raw positional reads into fresh bytes from libtorch's allocator), and TorchSharp.PyBridge's
/// <c>load_safetensors</c> into a model of the same shapes. Each run is its own process, so peak RSS is its own.
/// </summary>
internal static class SafeTensorsReadScenarios
{
    public static ReadResult Run(string scenario, string file, string dtypeLabel)
    {
        bool hugePages = NativeEnvironment.HugePagesRequested;
        using var probe = SafeTensorsFile.Open(file);
        long bytes = probe.Entries.Sum(e => e.ByteLength);
        int tensors = probe.Entries.Count;
        IReadOnlyList<SafeTensorsEntry> entries = probe.Entries;
        torch.ScalarType dtype = LlamaShapes.ParseDType(dtypeLabel);

        // The peer's target model exists before its load starts, as in a real program.
        torch.nn.Module? peerModel = scenario == "pybridge"
            ? TreeModule.Build(probe.Entries.Select(e => (e.Name, e.GetShapeArray())), dtype, torch.CPU)
            : null;
        probe.Dispose();

        // libtorch is loaded and initialized before measuring, in every scenario: a program that loads tensors has
        // torch up already, and its libraries' RSS then sits in every scenario's baseline alike.
        using (torch.empty(1, device: torch.CPU)) { }

        long rssBefore = ProcessMemory.CurrentRssBytes();
        var clock = Stopwatch.StartNew();
        var keep = new List<IDisposable>();
        switch (scenario)
        {
            case "modelgen":
                using (var reader = SafeTensorsFile.Open(file))
                {
                    foreach (SafeTensorsEntry entry in reader.Entries)
                        keep.Add(reader.Read(entry));
                }
                break;
            case "floor":
                FloorRead(file, entries, keep);
                break;
            case "pybridge":
                peerModel!.load_safetensors(file, strict: true);
                break;
            default:
                throw new ArgumentException($"unknown scenario '{scenario}' (modelgen, floor, pybridge)");
        }
        double seconds = clock.Elapsed.TotalSeconds;
        long peak = ProcessMemory.PeakRssBytes();
        GC.KeepAlive(peerModel);
        foreach (IDisposable item in keep) item.Dispose();
        return new ReadResult("safetensors-read", scenario, dtypeLabel, hugePages, bytes, tensors, seconds, rssBefore, peak);
    }

    private static unsafe void FloorRead(string file, IReadOnlyList<SafeTensorsEntry> entries, List<IDisposable> keep)
    {
        // Offsets come from the header read before the clock started: the floor does only allocation and reads,
        // into raw bytes from libtorch's allocator (huge pages when they are on), as every tensor gets.
        using var handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.Read);
        foreach (SafeTensorsEntry entry in entries)
        {
            var buffer = new TorchBuffer(entry.ByteLength);
            RawRead.Into(handle, entry.FileOffset, buffer.Pointer, entry.ByteLength);
            keep.Add(buffer);
        }
    }
}
