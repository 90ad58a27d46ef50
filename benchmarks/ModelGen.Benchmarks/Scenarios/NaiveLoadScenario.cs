using System.Diagnostics;
using ModelGen.Diagnostics;
using ModelGen.Distributed;
using ModelGen.Examples.Llama;
using ModelGen.SafeTensors;
using TorchSharp;
using TorchSharp.PyBridge;

namespace ModelGen.Benchmarks.Scenarios;

/// <summary>
/// What a TorchSharp user does today: every rank constructs the model on the CPU (TorchSharp's layers allocate and
/// randomly initialize their parameters) and loads the whole checkpoint itself with TorchSharp.PyBridge's
/// <c>load_safetensors</c>, shard by shard. MPI is used only for the start and end barriers of the measurement.
/// </summary>
internal static class NaiveLoadScenario
{
    public static LoadResult Run(string checkpointFolder)
    {
        using IProcessGroup group = ProcessGroups.FromEnvironment();
        using (torch.empty(1, device: torch.CPU)) { }
        string configJson = File.ReadAllText(Path.Combine(checkpointFolder, "config.json"));
        group.Barrier();

        long rssBefore = ProcessMemory.CurrentRssBytes();
        var clock = Stopwatch.StartNew();
        var model = new LlamaRecipe().Build(configJson, ShardDType(checkpointFolder)).Module;
        foreach (string shard in ShardFiles(checkpointFolder))
            model.load_safetensors(shard, strict: false);
        group.Barrier();
        double seconds = clock.Elapsed.TotalSeconds;

        var state = model.state_dict();
        long bytes = state.Values.Sum(t => t.numel() * t.element_size());
        // Every tensor was initialized by its layer's constructor, then overwritten by the load.
        return new LoadResult("naive", group.Rank, group.Size, bytes, rssBefore, ProcessMemory.PeakRssBytes(), seconds, InitCallsOnLoaded: state.Count);
    }

    private static IEnumerable<string> ShardFiles(string folder)
    {
        using SafeTensorsCheckpoint checkpoint = SafeTensorsCheckpoint.Open(folder);
        return checkpoint.Files.Select(f => f.FilePath).ToArray();
    }

    private static torch.ScalarType ShardDType(string folder)
    {
        using SafeTensorsCheckpoint checkpoint = SafeTensorsCheckpoint.Open(folder);
        return checkpoint.Entries[0].DType.TryGetScalarType(out torch.ScalarType type) ? type : torch.ScalarType.Float32;
    }
}
