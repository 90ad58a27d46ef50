using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.MultiRank.Worker.Loading;
using ModelGen.Sharding;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// Loads <see cref="WideTestModel"/> with the placement asked for and reports this rank's resident memory before the
/// load and at its peak (/proc/self/status VmRSS and VmHWM), beside the bytes it holds and received. Options:
/// checkpoint=PATH; placement=Replicated|FullyShard; map=yes|no.
/// </summary>
public static class ShardedMemoryScenario
{
    internal static int Run(IProcessGroup group, Report report, WorkerOptions options)
    {
        var model = MetaConstruction.Build(() => new WideTestModel());
        LoadReport loaded = ShardedLoader.Load(model, options.Text("checkpoint", ""), new LoadOptions
        {
            ProcessGroup = group,
            Placement = Enum.Parse<TensorPlacement>(options.Text("placement", nameof(TensorPlacement.FullyShard)), ignoreCase: true),
            MapCheckpoint = options.Text("map", "yes") == "yes",
        });
        report.Event("memory", ("rssBefore", loaded.RssBeforeLoadBytes), ("peak", loaded.PeakRssBytes),
            ("held", loaded.ParameterBytes), ("received", loaded.ReceivedBytes), ("transport", loaded.Transport));
        return 0;
    }
}
