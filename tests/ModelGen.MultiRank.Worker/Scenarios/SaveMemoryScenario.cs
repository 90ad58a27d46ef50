using ModelGen.Diagnostics;
using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.MultiRank.Worker.Loading;
using ModelGen.Saving;
using ModelGen.Sharding;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// Loads <see cref="WideTestModel"/> fully sharded, then saves it and reports this rank's resident memory just before
/// the save and its peak during the save (/proc/self/status VmRSS and VmHWM, the peak reset first through
/// /proc/self/clear_refs), beside the window and the bytes rank 0 received. Options: checkpoint=PATH; out=DIR;
/// map=yes|no; window=BYTES.
/// </summary>
public static class SaveMemoryScenario
{
    internal static int Run(IProcessGroup group, Report report, WorkerOptions options)
    {
        var model = MetaConstruction.Build(() => new WideTestModel());
        LoadReport loaded = ShardedLoader.Load(model, options.Text("checkpoint", ""), new LoadOptions
        {
            ProcessGroup = group,
            Placement = TensorPlacement.FullyShard,
            MapCheckpoint = options.Text("map", "yes") == "yes",
        });

        // "5" resets VmHWM to the current resident size, so the peak read afterwards is the save's own.
        File.WriteAllText("/proc/self/clear_refs", "5");
        long before = ProcessMemory.CurrentRssBytes();
        SaveReport saved = ModelSaver.Save(model, options.Text("out", ""), new SaveOptions
        {
            ProcessGroup = group,
            MaxShardBytes = 2L * WideTestModel.Rows * WideTestModel.Columns * 2,
            WindowBytes = options.Long("window", SaveOptions.DefaultWindowBytes),
        });
        report.Event("save-memory", ("rssBefore", before), ("peak", ProcessMemory.PeakRssBytes()), ("held", loaded.ParameterBytes),
            ("window", saved.WindowBytes), ("bytesReceived", saved.BytesReceived), ("totalBytes", saved.TotalBytes));
        return 0;
    }
}
