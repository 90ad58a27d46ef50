using System.Security.Cryptography;
using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.Mapping;
using ModelGen.MultiRank.Worker.Loading;
using ModelGen.Saving;
using ModelGen.Sharding;
using TorchSharp;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// Loads a checkpoint into <see cref="RankTestModel"/> on every rank, reports a digest of every tensor, then saves the
/// model with <see cref="ModelSaver"/>. Options: checkpoint=PATH; out=DIR; placement=replicated|hand (hand: after a
/// replicated load every rank keeps only its torch.chunk rows of each tensor, in zero-padded buffers, with the
/// <see cref="ModelSharding"/> record a sharded load attaches); window=BYTES; shard=BYTES (largest shard);
/// overwrite=yes; fail=RANK:STAGE makes that rank fail at the first point of that <see cref="SaveStage"/>;
/// die=RANK kills that rank at its second piece, as a crash would; skew=RANK gives that rank another
/// shard limit, so it plans other files than the others.
/// </summary>
public static class SaveScenario
{
    internal static int Run(IProcessGroup group, Report report, WorkerOptions options)
    {
        var model = MetaConstruction.Build(() => new RankTestModel());
        ShardedLoader.Load(model, options.Text("checkpoint", ""), new LoadOptions { ProcessGroup = group });
        foreach (var (name, tensor) in model.state_dict().OrderBy(p => p.Key, StringComparer.Ordinal))
            report.Event("tensor", ("key", name), ("sha256", Digest(tensor)));

        string placement = options.Text("placement", "replicated");
        if (placement == "hand")
            ShardByHand(model, group);
        else if (placement != "replicated")
            return report.Fail($"unknown placement '{placement}'");
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

    /// <summary>Leaves this rank only its torch.chunk rows of every tensor, the way a fully sharded load does.</summary>
    private static void ShardByHand(IShardedModel model, IProcessGroup group)
    {
        IReadOnlyList<TensorSlot> slots = model.GetTensorSlots();
        var sharded = new List<ShardedSlot>();
        var tied = new Dictionary<string, string>(StringComparer.Ordinal);
        using (torch.no_grad())
        {
            foreach (TensorSlot slot in slots)
            {
                if (slot.Computed) continue;
                if (slot.TiedTo is not null)
                {
                    tied[slot.Key] = slot.TiedTo;
                    continue;
                }
                torch.Tensor full = slot.Get()!;
                long[] shape = full.shape;
                torch.ScalarType dtype = full.dtype;
                long chunk = ShardMath.ChunkRows(shape[0], group.Size);
                (long start, long count) = ShardMath.RowsOf(shape[0], group.Size, group.Rank);
                torch.Tensor padded = torch.zeros([chunk, .. shape.Skip(1)], dtype: dtype);
                padded.narrow(0, 0, count).copy_(full.narrow(0, start, count));
                // Setting a member may dispose the tensor it replaces: everything needed from it is read above.
                slot.Set(padded.narrow(0, 0, count));
                sharded.Add(new ShardedSlot(slot.Key, shape, dtype, start, count, chunk, padded));
            }
            var byKey = slots.ToDictionary(s => s.Key, StringComparer.Ordinal);
            foreach ((string alias, string target) in tied)
                byKey[alias].Set(byKey[target].Get()!);
        }
        ModelSharding.Attach(model, new ModelSharding(group, sharded, tied));
    }

    private static string Digest(torch.Tensor tensor)
    {
        using torch.Tensor contiguous = tensor.detach().contiguous();
        return Convert.ToHexString(SHA256.HashData(contiguous.bytes));
    }
}
