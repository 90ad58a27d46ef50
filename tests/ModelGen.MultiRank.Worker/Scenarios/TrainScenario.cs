using System.Diagnostics;
using System.Globalization;
using ModelGen.Diagnostics;
using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.MultiRank.Worker.Training;
using ModelGen.SafeTensors;
using ModelGen.Saving;
using ModelGen.Sharding;
using ModelGen.Training;
using TorchSharp;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// Loads <see cref="TrainTestModel"/> and trains it with AdamW and gradient clipping, reporting every step's loss and
/// norm; rank 0 writes the trained parameters (gathered when sharded) to out=PATH. Modes: single (one process, all
/// micro-batches as one batch, plain TorchSharp: the reference), replicated (<see cref="ReplicatedTraining"/>),
/// sharded (<see cref="ShardedTraining"/>), nosync (each rank trains on its micro-batch alone). Each rank of a job
/// takes micro-batch = its rank. Options: checkpoint=PATH; out=PATH; steps=N; dtype=float32|bfloat16;
/// bucket=BYTES; fail=RANK (that rank's loss throws at step 2); die=RANK (that rank is killed in the middle of step 2's
/// forward pass, as a crash would end it); shape=small|large (<see cref="TrainTestShape"/>); length=N (tokens per
/// micro-batch); units=default|layers|all (sharded units: the runtime's defaults, only the decoder layers, or every module named);
/// freeze=RANK (that rank's head does not require gradients, so its trainable tensors differ from the others');
/// memory=yes (report this rank's resident memory before training and its peak while training); save=DIR (save the
/// trained model with <see cref="ModelSaver"/>, load that folder again with the same placement and report whether
/// every tensor came back bit for bit).
/// </summary>
public static class TrainScenario
{
    public const int MicroBatches = 3;
    public const double LearningRate = 0.01, MaxNorm = 0.5;

    internal static int Run(IProcessGroup group, Report report, WorkerOptions options)
    {
        string mode = options.Text("mode", "replicated");
        int steps = options.Int("steps", 3);
        int failRank = options.Int("fail", -1), dieRank = options.Int("die", -1);
        torch.ScalarType dtype = options.Text("dtype", "float32") == "bfloat16" ? torch.ScalarType.BFloat16 : torch.ScalarType.Float32;
        IProcessGroup trainGroup = mode == "single" ? ProcessGroups.Single() : group;

        TrainTestShape shape = options.Text("shape", "small") == "large" ? TrainTestShape.Large : TrainTestShape.Small;
        int length = options.Int("length", 10);
        var model = MetaConstruction.Build(() => new TrainTestModel(dtype, shape));
        LoadReport loaded = ShardedLoader.Load(model, options.Text("checkpoint", ""), new LoadOptions
        {
            ProcessGroup = trainGroup,
            Placement = mode == "sharded" ? TensorPlacement.FullyShard : TensorPlacement.Replicated,
        });

        (torch.Tensor inputs, torch.Tensor targets) = MicroBatch(mode == "single" ? -1 : trainGroup.Rank, length);
        if (trainGroup.Rank == options.Int("freeze", -1))
        {
            model.named_parameters().Single(p => p.name == "lm_head.weight").parameter.requires_grad = false;
        }
        using var optimizer = torch.optim.AdamW(model.parameters(), lr: LearningRate);
        ReplicatedTraining? replicated;
        try
        {
            replicated = mode == "replicated"
                ? ReplicatedTraining.Create(model, new ReplicatedTrainingOptions { ProcessGroup = trainGroup, BucketBytes = options.Long("bucket", ReplicatedTrainingOptions.DefaultBucketBytes) })
                : null;
        }
        catch (DistributedLoadException e)
        {
            report.Event("train-failed", ("step", 0), ("failingRank", e.FailingRank), ("message", e.Message.Replace('\n', ' ')));
            return 3;
        }
        // all: every module a unit, named; layers: only the decoder layers (the root keeps the rest gathered); default: the runtime's choice.
        IReadOnlyList<string>? units = options.Text("units", "default") switch
        {
            "all" => [.. Enumerable.Range(0, shape.Layers).Select(i => $"layers.{i}"), "embed_tokens", "norm", "lm_head"],
            "layers" => [.. Enumerable.Range(0, shape.Layers).Select(i => $"layers.{i}")],
            _ => null,
        };
        using ShardedTraining? sharded = mode == "sharded" ? ShardedTraining.Attach(model, new ShardedTrainingOptions { Units = units, BucketBytes = options.Long("bucket", ReplicatedTrainingOptions.DefaultBucketBytes) }) : null;
        if (replicated is not null) report.Event("buckets", ("count", replicated.BucketCount));
        bool measure = options.Text("memory", "no") == "yes";
        long rssBefore = ProcessMemory.CurrentRssBytes();
        if (measure) ResetPeakRss();

        CollectiveTraffic stepTraffic = default;
        for (int step = 1; step <= steps; step++)
        {
            CollectiveTraffic before = sharded?.Traffic ?? replicated?.Traffic ?? default;
            optimizer.zero_grad();
            int current = step;
            torch.Tensor Loss()
            {
                if (current == 2 && trainGroup.Rank == failRank)
                    throw new InvalidOperationException($"micro-batch {trainGroup.Rank} could not be read");
                using torch.Tensor logits = model.call(inputs);
                if (current == 2 && trainGroup.Rank == dieRank) Process.GetCurrentProcess().Kill();
                using torch.Tensor flatLogits = logits.view(-1, shape.Vocab).to(torch.ScalarType.Float32);
                using torch.Tensor flatTargets = targets.reshape(-1);
                return torch.nn.functional.cross_entropy(flatLogits, flatTargets);
            }

            double norm;
            torch.Tensor loss;
            try
            {
                if (sharded is not null)
                {
                    loss = sharded.Forward(Loss);
                    sharded.Backward(loss);
                    norm = sharded.ClipGradNorm(MaxNorm);
                }
                else if (replicated is not null)
                {
                    loss = replicated.Forward(Loss);
                    replicated.Backward(loss);
                    norm = replicated.ClipGradNorm(MaxNorm);
                }
                else
                {
                    loss = Loss();
                    loss.backward();
                    norm = torch.nn.utils.clip_grad_norm_(model.parameters().Where(p => p.grad is not null), MaxNorm);
                }
            }
            catch (DistributedLoadException e)
            {
                report.Event("train-failed", ("step", step), ("failingRank", e.FailingRank), ("message", e.Message.Replace('\n', ' ')));
                return 3;
            }
            optimizer.step();
            stepTraffic = (sharded?.Traffic ?? replicated?.Traffic ?? default) - before;
            report.Event("step", ("step", step), ("loss", loss.item<float>().ToString("R", CultureInfo.InvariantCulture)),
                ("norm", norm.ToString("R", CultureInfo.InvariantCulture)));
            loss.Dispose();
        }

        report.Event("traffic", ("allReduce", stepTraffic.AllReduceBytes), ("allGather", stepTraffic.AllGatherBytes),
            ("reduceScatter", stepTraffic.ReduceScatterBytes), ("ranks", stepTraffic.Ranks));
        if (measure)
            report.Event("memory", ("rssBefore", rssBefore), ("peakRss", ProcessMemory.PeakRssBytes()), ("parameterBytes", loaded.ParameterBytes),
                ("peakGathered", sharded?.PeakGatheredBytes ?? 0));
        WriteParameters(trainGroup, model, loaded.Sharding, options.Text("out", ""));
        if (options.Text("save", "") is { Length: > 0 } saveFolder)
            SaveAndReload(trainGroup, report, model, loaded, saveFolder, dtype, shape);
        report.Event("trained", ("mode", mode));
        return 0;
    }

    /// <summary>Micro-batch <paramref name="index"/> of a fixed seed (-1: all of them as one batch).</summary>
    public static (torch.Tensor Inputs, torch.Tensor Targets) MicroBatch(int index, int length)
    {
        using var generator = new torch.Generator(1234);
        using torch.Tensor all = torch.randint(0, TrainTestModel.Vocab, [MicroBatches, length + 1], dtype: torch.ScalarType.Int64, generator: generator);
        using torch.Tensor rows = index < 0 ? all.alias() : all.narrow(0, index, 1);
        return (rows.narrow(1, 0, length).contiguous(), rows.narrow(1, 1, length).contiguous());
    }

    /// <summary>Starts VmHWM afresh from the current resident size (Linux: "5" to /proc/self/clear_refs).</summary>
    private static void ResetPeakRss()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        File.WriteAllText("/proc/self/clear_refs", "5");
    }

    private static void SaveAndReload(IProcessGroup group, Report report, TrainTestModel model, LoadReport loaded, string folder, torch.ScalarType dtype, TrainTestShape shape)
    {
        SaveReport saved = ModelSaver.Save(model, folder, new SaveOptions { ProcessGroup = group, Overwrite = true });
        var again = MetaConstruction.Build(() => new TrainTestModel(dtype, shape));
        LoadReport reloaded = ShardedLoader.Load(again, folder, new LoadOptions { ProcessGroup = group, Placement = loaded.Placement });
        var trained = model.state_dict();
        int differing = 0;
        foreach (var (key, tensor) in again.state_dict())
        {
            // Each rank compares what it holds: its own rows when sharded, the whole tensor otherwise.
            using torch.Tensor mine = trained[key].contiguous();
            using torch.Tensor back = tensor.contiguous();
            if (!mine.bytes.SequenceEqual(back.bytes)) differing++;
        }
        report.Event("reloaded", ("files", saved.ShardPaths.Count), ("tensors", again.state_dict().Count), ("differing", differing),
            ("placement", reloaded.Placement));
    }

    private static void WriteParameters(IProcessGroup group, TrainTestModel model, ModelSharding? sharding, string path)
    {
        var tensors = new List<KeyValuePair<string, torch.Tensor>>();
        using (torch.no_grad())
        {
            foreach (var (name, parameter) in model.named_parameters().OrderBy(p => p.name, StringComparer.Ordinal))
            {
                torch.Tensor whole = sharding?.Find(name) is { } slot ? ShardGathering.Gather(group, slot) : parameter.detach().clone();
                tensors.Add(new(name, whole));
            }
        }
        if (group.Rank == 0 && path.Length > 0) SafeTensorsWriter.Write(path, tensors);
        foreach (var pair in tensors) pair.Value.Dispose();
    }
}
