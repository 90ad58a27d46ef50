using System.Security.Cryptography;
using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.MultiRank.Worker.Loading;
using ModelGen.SafeTensors;
using ModelGen.Sharding;
using TorchSharp;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// Loads a checkpoint into <see cref="RankTestModel"/> with the placement asked for and reports what this rank holds:
/// per sharded key its rows and a digest of their bytes, the digest of every tensor gathered whole, the bytes received,
/// and the digest of the logits of a fixed prompt (the sharded forward pass when sharded). Options: checkpoint=PATH;
/// placement=Replicated|FullyShard; transport=Auto|Broadcast|PeerRead; map=yes|no; die=RANK (that rank exits half-way
/// through the load); replicated=GLOB (a key to keep whole); everyNode=yes (every node's leader reads its own copy);
/// copy=PATH (the checkpoint path of every rank but 0); construct=yes (build and load in one call,
/// <see cref="ShardedLoader.ConstructAndLoad{T}"/>); failBuild=RANK (with construct=yes, that rank's model constructor throws);
/// nullBuild=RANK (with construct=yes, that rank's factory returns null); again=yes (then load the checkpoint a second
/// time into a new model in the same job, whose node groups are known by then, and report what it received).
/// </summary>
public static class ShardedLoadScenario
{
    internal static int Run(IProcessGroup group, Report report, WorkerOptions options)
    {
        int dieRank = options.Int("die", -1);
        string replicated = options.Text("replicated", "");
        torch.manual_seed(11); // the initializer of the missing projection draws from it on rank 0
        bool construct = options.Text("construct", "no") == "yes";
        int failBuild = options.Int("failBuild", -1);
        int nullBuild = options.Int("nullBuild", -1);
        RankTestModel model = construct ? null! : MetaConstruction.Build(() => new RankTestModel());
        LoadReport loaded;
        try
        {
            // copy=PATH: the ranks other than 0 load from PATH, as the nodes of a per-node reader each have their own disk.
            string copy = options.Text("copy", "");
            string checkpoint = group.Rank != 0 && copy.Length > 0 ? copy : options.Text("checkpoint", "");
            var loadOptions = new LoadOptions
            {
                ProcessGroup = group,
                Placement = Enum.Parse<TensorPlacement>(options.Text("placement", nameof(TensorPlacement.FullyShard)), ignoreCase: true),
                Transport = Enum.Parse<LoadTransport>(options.Text("transport", nameof(LoadTransport.Auto)), ignoreCase: true),
                MapCheckpoint = options.Text("map", "yes") == "yes",
                ReplicatedKeys = replicated.Length > 0 ? [replicated] : [],
                Progress = new ExitMidway(group.Rank == dieRank),
                ReadOnEveryNode = options.Text("everyNode", "no") == "yes",
            };
            if (construct)
            {
                (model, loaded) = ShardedLoader.ConstructAndLoad(() => group.Rank == failBuild
                    ? throw new InvalidOperationException($"the model of rank {group.Rank} cannot be built")
                    : group.Rank == nullBuild ? null! : new RankTestModel(), checkpoint, loadOptions);
                report.Event("constructed", ("seconds", loaded.ConstructSeconds));
            }
            else loaded = ShardedLoader.Load(model, checkpoint, loadOptions);
            if (options.Text("again", "no") == "yes")
            {
                var second = MetaConstruction.Build(() => new RankTestModel());
                LoadReport again = ShardedLoader.Load(second, checkpoint, loadOptions);
                report.Event("loaded-again", ("receivedBytes", again.ReceivedBytes), ("nodes", again.Nodes),
                    ("sameRows", (again.Sharding?.Sharded.Count ?? 0) == (loaded.Sharding?.Sharded.Count ?? 0)));
            }
        }
        catch (Exception e) when (e is DistributedLoadException or CheckpointMismatchException or LoadIncompleteException or SafeTensorsException)
        {
            report.Event("load-failed", ("type", e.GetType().Name), ("message", e.Message.Replace('\n', ' ')));
            return LoadScenario.LoadFailedExitCode;
        }

        ModelSharding? sharding = loaded.Sharding;
        using (torch.no_grad())
        {
            foreach (ShardedSlot slot in sharding?.Sharded ?? [])
            {
                using torch.Tensor own = slot.Padded.narrow(0, 0, slot.RowCount);
                report.Event("shard", ("key", slot.Key), ("rowStart", slot.RowStart), ("rowCount", slot.RowCount),
                    ("chunkRows", slot.ChunkRows), ("sha256", Digest(own)), ("padZero", PadIsZero(slot)));
            }
            foreach (var (key, tensor) in model.state_dict().OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                using torch.Tensor whole = sharding?.Find(key) is { } slot ? ShardGathering.Gather(group, slot) : tensor.alias();
                report.Event("gathered", ("key", key), ("sha256", Digest(whole)));
            }

            using ShardedForward? forward = sharding is null ? null : ShardedForward.Attach(model);
            using torch.Tensor ids = torch.arange(0, 12, dtype: torch.ScalarType.Int64).remainder(RankTestModel.Vocab).view(1, 12);
            using torch.Tensor logits = model.call(ids);
            var members = model.state_dict();
            bool restored = (sharding?.Sharded ?? []).All(s => members[s.Key].shape[0] == s.RowCount);
            report.Event("forward", ("sha256", Digest(logits)), ("units", forward?.Units.Count(u => u.Keys.Count > 0) ?? 0),
                ("peakGatheredBytes", forward?.PeakGatheredBytes ?? 0), ("shardsRestored", restored));
        }
        report.Event("loaded", ("placement", loaded.Placement), ("transport", loaded.Transport),
            ("node", loaded.Node), ("nodes", loaded.Nodes), ("leader", loaded.NodeLeader), ("mpiBytes", loaded.MpiReceivedBytes),
            ("mpiFromOtherNodes", loaded.MpiReceivedFromOtherNodesBytes), ("peerReadBytes", loaded.PeerReadBytes), ("readCheckpoint", loaded.ReadCheckpoint),
            ("receivedBytes", loaded.ReceivedBytes), ("parameterBytes", loaded.ParameterBytes), ("mappedBytes", loaded.MappedBytes),
            ("initialized", string.Join(",", loaded.InitializedKeys)), ("initCallsOnLoaded", loaded.InitCallsOnLoaded),
            ("tiedShareStorage", ReferenceEquals(model.HeadWeight, model.EmbedWeight) || model.HeadWeight.Handle == model.EmbedWeight.Handle));
        return 0;
    }

    private static bool PadIsZero(ShardedSlot slot)
    {
        if (slot.RowCount == slot.ChunkRows) return true;
        using torch.Tensor pad = slot.Padded.narrow(0, slot.RowCount, slot.ChunkRows - slot.RowCount);
        return pad.count_nonzero().item<long>() == 0;
    }

    private static string Digest(torch.Tensor tensor)
    {
        using torch.Tensor contiguous = tensor.detach().contiguous();
        return Convert.ToHexString(SHA256.HashData(contiguous.bytes));
    }

    /// <summary>Ends this process half-way through the load, as a crashed rank would.</summary>
    private sealed class ExitMidway(bool exit) : IProgress<LoadProgress>
    {
        public void Report(LoadProgress value)
        {
            if (exit && value.TensorsDone * 2 >= value.TensorsTotal) Environment.Exit(9);
        }
    }
}
