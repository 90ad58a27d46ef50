using System.Security.Cryptography;
using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.MultiRank.Worker.Loading;
using ModelGen.Saving;
using ModelGen.Sharding;
using TorchSharp;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// Loads a checkpoint into <see cref="RankTestModel"/> on every rank with the placement asked for, reports a digest of
/// every tensor (gathered whole when sharded), then saves the model with <see cref="ModelSaver"/>. Options:
/// checkpoint=PATH; out=DIR; placement=Replicated|FullyShard; replicated=GLOB (a key a sharded load keeps whole);
/// map=yes|no; window=BYTES; shard=BYTES (largest shard); overwrite=yes; fail=RANK:STAGE makes that rank fail at the
/// first point of that <see cref="SaveStage"/>; die=RANK kills that rank at its second piece, as a crash would;
/// skew=RANK gives that rank another shard limit, so it plans other files than the others.
/// </summary>
public static class SaveScenario
{
    internal static int Run(IProcessGroup group, Report report, WorkerOptions options)
    {
        var model = MetaConstruction.Build(() => new RankTestModel());
        string replicated = options.Text("replicated", "");
        LoadReport loaded = ShardedLoader.Load(model, options.Text("checkpoint", ""), new LoadOptions
        {
            ProcessGroup = group,
            Placement = Enum.Parse<TensorPlacement>(options.Text("placement", nameof(TensorPlacement.Replicated)), ignoreCase: true),
            ReplicatedKeys = replicated.Length > 0 ? [replicated] : [],
            MapCheckpoint = options.Text("map", "yes") == "yes",
        });
        ModelSharding? sharding = loaded.Sharding;
        using (torch.no_grad())
        {
            foreach (var (key, tensor) in model.state_dict().OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                using torch.Tensor whole = sharding?.Find(key) is { } slot ? ShardGathering.Gather(group, slot) : tensor.alias();
                report.Event("tensor", ("key", key), ("sha256", Digest(whole)));
            }
        }
        long heldBytes = model.GetTensorSlots().Where(s => !s.Computed && s.TiedTo is null).Sum(s => s.Get()!.numel() * s.Get()!.element_size());

        long shard = options.Long("shard", 16 << 10);
        if (options.Int("skew", -1) == group.Rank) shard += 1 << 20;
        try
        {
            SaveReport saved = ModelSaver.Save(model, options.Text("out", ""), new SaveOptions
            {
                ProcessGroup = group,
                MaxShardBytes = shard,
                WindowBytes = options.Long("window", SaveOptions.DefaultWindowBytes),
                Overwrite = options.Text("overwrite", "no") == "yes",
                OnStage = Faults(group.Rank, options),
            });
            report.Event("saved",
                ("files", string.Join(",", saved.ShardPaths.Select(Path.GetFileName))), ("keys", saved.WrittenKeys.Count),
                ("tied", string.Join(",", saved.TiedKeys)), ("computed", string.Join(",", saved.ComputedKeys)),
                ("sharded", sharding?.Sharded.Count ?? 0),
                ("totalBytes", saved.TotalBytes), ("bytesReceived", saved.BytesReceived), ("window", saved.WindowBytes),
                ("heldBytes", heldBytes), ("index", saved.IndexPath));
        }
        catch (DistributedLoadException e)
        {
            report.Event("save-failed", ("type", e.GetType().Name), ("failingRank", e.FailingRank), ("message", e.Message.Replace('\n', ' ')));
        }
        return LoadScenario.LoadFailedExitCode;
    }

    private static Action<SaveStage, string>? Faults(int rank, WorkerOptions options)
    {
        string[] fail = options.Text("fail", "").Split(':');
        bool failHere = fail.Length == 2 && int.Parse(fail[0], System.Globalization.CultureInfo.InvariantCulture) == rank;
        bool dieHere = options.Int("die", -1) == rank;
        if (!failHere && !dieHere) return null;
        int pieces = 0;
        return (stage, file) =>
        {
            if (failHere && stage.ToString() == fail[1])
                throw new IOException($"injected failure on rank {rank} at {stage} of {file}");
            // Killed, not exited: a crashed rank runs no exit handlers (Environment.Exit would finalize MPI first).
            if (dieHere && stage == SaveStage.Piece && ++pieces == 2)
                System.Diagnostics.Process.GetCurrentProcess().Kill();
        };
    }

    private static string Digest(torch.Tensor tensor)
    {
        using torch.Tensor contiguous = tensor.detach().contiguous();
        return Convert.ToHexString(SHA256.HashData(contiguous.bytes));
    }
}
