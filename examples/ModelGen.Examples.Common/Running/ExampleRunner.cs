using System.Diagnostics;
using System.Text;
using ModelGen.Diagnostics;
using ModelGen.Distributed;
using ModelGen.Examples.Checkpoints;
using ModelGen.Examples.Reporting;
using ModelGen.Loading;
using ModelGen.Native;
using ModelGen.Saving;
using ModelGen.Sharding;
using TorchSharp;

namespace ModelGen.Examples.Running;

/// <summary>
/// One run of an example on every rank: make sure the checkpoint exists, build the model on the meta device,
/// load it with <see cref="ShardedLoader"/>, train it if asked, run the forward pass, save it if asked, report.
/// </summary>
public static class ExampleRunner
{
    /// <summary>Exit code when the ranks computed different logits.</summary>
    public const int LogitsDisagree = 2;

    /// <summary>Runs <paramref name="recipe"/> with <paramref name="settings"/>; returns the exit code.</summary>
    public static int Run(ExampleRecipe recipe, ExampleSettings settings)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(settings);
        // Before the first tensor: libtorch reads this from the native environment once.
        NativeEnvironment.EnableHugePagesByDefault();
        if (settings.Threads is { } threads) torch.set_num_threads(threads);
        TextWriter log = StandardStreams.Error;

        using IProcessGroup group = ProcessGroups.FromEnvironment();
        try
        {
            RunResult result = RunOnRank(group, recipe, settings, log);
            Print(group, settings, result);
            return result.LogitsAgreeAcrossRanks == false ? LogitsDisagree : 0;
        }
        catch (Exception e) when (e is DistributedLoadException or SafeTensors.SafeTensorsException or CheckpointMismatchException or LoadIncompleteException or FormatException or ExampleSettingsException)
        {
            // The same error on every rank (agreed, or from the same config text): rank 0 says it once.
            if (group.Rank == 0) log.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static RunResult RunOnRank(IProcessGroup group, ExampleRecipe recipe, ExampleSettings settings, TextWriter log)
    {
        bool isRoot = group.Rank == 0;
        // Load libtorch before any clock starts: its one-time start-up is not part of loading a model.
        using (torch.zeros(1)) { }
        // Before anything is written or loaded: a batch the ranks cannot split is refused at once (alike on every rank).
        if (settings.TrainSteps > 0) ExampleTraining.CheckBatch(settings.TrainSequences, group.Size);
        CheckpointPreparation.Prepared prepared = CheckpointPreparation.Run(group, recipe, settings, log);
        torch.ScalarType dtype = settings.DType ?? ConfigDType(prepared.ConfigJson);

        // Every rank starts its clock together, so that no rank's time includes waiting for another to finish starting up.
        group.Barrier();
        // Built on the meta device on every rank while rank 0 opens the checkpoint; a config the recipe rejects fails
        // on every rank alike (they all parse the same text), agreed in the load's first agreement.
        ExampleModel? built = null;
        (_, LoadReport load) = ShardedLoader.ConstructAndLoad(() =>
        {
            built = recipe.Build(prepared.ConfigJson, dtype);
            if (isRoot) log.WriteLine($"Loading {settings.CheckpointFolder} on {group.Size} rank(s): {built.Summary}, {CheckpointDTypes.HuggingFaceName(dtype)}");
            return built.Sharded;
        }, settings.CheckpointFolder, new LoadOptions
        {
            ProcessGroup = group,
            Transport = settings.Transport,
            MapCheckpoint = settings.MapCheckpoint,
            Placement = settings.Shard ? TensorPlacement.FullyShard : TensorPlacement.Replicated,
            Progress = isRoot ? new RankZeroProgress(log) : null,
        });
        ExampleModel model = built!; // ConstructAndLoad returns only when every rank built its model
        double constructSeconds = load.ConstructSeconds;

        ExampleTraining.Outcome? trained = settings.TrainSteps > 0
            ? ExampleTraining.Run(group, model, settings.TrainSteps, settings.TrainSequences, settings.TrainLength)
            : null;
        ForwardPass.Outcome? forward = settings.NoForward ? null : ForwardPass.Run(group, model);
        SaveReport? saved = settings.SaveFolder is { } target ? ModelSave.Run(group, model, settings.CheckpointFolder, target, CheckpointDTypes.HuggingFaceName(dtype)) : null;
        return new RunResult
        {
            ModelSummary = model.Summary,
            CheckpointPath = new CheckpointFolder(settings.CheckpointFolder).Path,
            DType = CheckpointDTypes.HuggingFaceName(dtype),
            Load = load,
            ConstructSeconds = constructSeconds,
            ForwardSeconds = forward?.Seconds,
            Logits = forward?.Logits,
            LogitsAgreeAcrossRanks = forward?.AgreeAcrossRanks,
            PeakRssAfterForwardBytes = forward is null ? null : ProcessMemory.PeakRssBytes(),
            Save = saved,
            Training = trained,
            CheckpointWritten = prepared.Written,
            Threads = torch.get_num_threads(),
        };
    }

    private static torch.ScalarType ConfigDType(string configJson)
    {
        ConfigJson config = ConfigJson.Parse(configJson);
        // transformers writes torch_dtype (older) or dtype (5.x); absent means float32.
        string? name = config.String("torch_dtype") ?? config.String("dtype");
        return name is null ? torch.ScalarType.Float32 : CheckpointDTypes.Parse(name);
    }

    private static void Print(IProcessGroup group, ExampleSettings settings, RunResult result)
    {
        if (settings.Json)
        {
            // mpirun forwards each rank's output in pieces, so a long line from one rank can be cut by another's:
            // rank 0 prints every rank's report, one whole line each, in rank order.
            byte[] mine = Encoding.UTF8.GetBytes(JsonReport.Format(result));
            for (int rank = 0; rank < group.Size; rank++)
            {
                byte[] report = group.BroadcastMessage(rank == group.Rank ? mine : [], root: rank);
                if (group.Rank == 0) StandardStreams.Out.WriteLine(Encoding.UTF8.GetString(report));
            }
            return;
        }
        StandardStreams.Out.WriteLine(TextReport.RankLine(result));
        // Rank lines first, then the summary (mpirun forwards each rank's output as it comes).
        group.Barrier();
        if (group.Rank == 0)
        {
            StandardStreams.Out.WriteLine(TextReport.Summary(result));
        }
    }
}
