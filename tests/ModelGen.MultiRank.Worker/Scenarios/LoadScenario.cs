using System.Security.Cryptography;
using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.MultiRank.Worker.Loading;
using ModelGen.SafeTensors;
using TorchSharp;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// Loads a checkpoint into <see cref="RankTestModel"/> on every rank and reports, per key, a digest of the bytes
/// this rank ended up with, so the test can compare every rank with the file and with each other. Options:
/// checkpoint=PATH; transport=Auto|Broadcast|PeerRead; map=yes|no (rank 0 maps the checkpoint); die=RANK makes that
/// rank exit in the middle of the load; everyNode=yes makes every node's leader read its own copy (everyNodeOnRank=R: asked on rank R only); copy=PATH is the checkpoint path of every rank but 0; grow=FILE makes rank 0 append bytes to FILE after the first tensor, as a
/// writer changing the checkpoint during the load would.
/// </summary>
public static class LoadScenario
{
    /// <summary>
    /// Exit code of a rank that reported an agreed load failure. Zero on purpose: the first rank to exit non-zero
    /// makes mpirun kill the others, and their already-written report lines can be lost with them. The
    /// failure is what every rank reports, which the tests check line by line.
    /// </summary>
    public const int LoadFailedExitCode = 0;

    internal static int Run(IProcessGroup group, Report report, WorkerOptions options)
    {
        // copy=PATH: the ranks other than 0 load from PATH, as the nodes of a per-node reader each have their own disk.
        string copy = options.Text("copy", "");
        string checkpoint = group.Rank != 0 && copy.Length > 0 ? copy : options.Text("checkpoint", "");
        int dieRank = options.Int("die", -1);
        var model = MetaConstruction.Build(() => new RankTestModel());
        var progress = new DieMidway(group.Rank == dieRank, group.Rank == 0 ? options.Text("grow", "") : "");
        LoadReport loaded;
        try
        {
            loaded = ShardedLoader.Load(model, checkpoint, new LoadOptions
            {
                ProcessGroup = group,
                Progress = progress,
                Transport = Enum.Parse<LoadTransport>(options.Text("transport", nameof(LoadTransport.Auto)), ignoreCase: true),
                MapCheckpoint = options.Text("map", "yes") == "yes",
                ReadOnEveryNode = options.Text("everyNode", "no") == "yes" || options.Int("everyNodeOnRank", -1) == group.Rank,
            });
        }
        catch (SafeTensorsException e)
        {
            // Values without spaces first: the message, which may hold spaces, must come last.
            report.Event("load-failed", ("type", e.GetType().Name), ("rule", e.Rule), ("file", e.FilePath),
                ("key", e.Key ?? "-"), ("message", OneLine(e.Message)));
            return LoadFailedExitCode;
        }
        catch (CheckpointMismatchException e)
        {
            report.Event("load-failed", ("type", e.GetType().Name), ("missing", e.MissingKeys.Count == 0 ? "-" : string.Join(",", e.MissingKeys)),
                ("message", OneLine(e.Message)));
            return LoadFailedExitCode;
        }
        catch (Exception e) when (e is DistributedLoadException or LoadIncompleteException)
        {
            report.Event("load-failed", ("type", e.GetType().Name), ("message", OneLine(e.Message)));
            return LoadFailedExitCode;
        }

        foreach (var (name, tensor) in model.state_dict().OrderBy(p => p.Key, StringComparer.Ordinal))
            report.Event("tensor", ("key", name), ("sha256", tensor.device_type == DeviceType.CPU ? Digest(tensor) : "not-on-cpu"), ("device", tensor.device_type));
        report.Event("loaded",
            ("keys", loaded.LoadedKeys.Count), ("initialized", string.Join(",", loaded.InitializedKeys)),
            ("tied", string.Join(",", loaded.TiedKeys)), ("identicalTied", string.Join(",", loaded.IdenticalTiedKeys)),
            ("computed", string.Join(",", loaded.ComputedKeys)),
            ("initCallsOnLoaded", loaded.InitCallsOnLoaded), ("extraInitCalls", RankTestModel.ExtraInitCalls),
            ("tiedShareStorage", model.HeadWeight.Handle == model.EmbedWeight.Handle || SameData(model.HeadWeight, model.EmbedWeight)),
            ("node", loaded.Node), ("nodes", loaded.Nodes), ("leader", loaded.NodeLeader), ("mpiBytes", loaded.MpiReceivedBytes),
            ("mpiFromOtherNodes", loaded.MpiReceivedFromOtherNodesBytes), ("peerReadBytes", loaded.PeerReadBytes), ("readCheckpoint", loaded.ReadCheckpoint),
            ("receivedBytes", loaded.ReceivedBytes), ("parameterBytes", loaded.ParameterBytes), ("mappedBytes", loaded.MappedBytes), ("transport", loaded.Transport));
        return 0;
    }

    private static string Digest(torch.Tensor tensor)
    {
        using torch.Tensor contiguous = tensor.detach().contiguous();
        return Convert.ToHexString(SHA256.HashData(contiguous.bytes));
    }

    private static bool SameData(torch.Tensor a, torch.Tensor b)
    {
        using torch.Tensor flatA = a.detach().view(-1).narrow(0, 0, 1);
        using torch.Tensor flatB = b.detach().view(-1).narrow(0, 0, 1);
        unsafe
        {
            fixed (byte* pa = flatA.bytes, pb = flatB.bytes) return pa == pb;
        }
    }

    private static string OneLine(string text) => text.Replace('\n', ' ').Replace('\r', ' ');

    /// <summary>Ends this process half-way through the load, as a crashed rank would; or appends to a checkpoint file once.</summary>
    private sealed class DieMidway(bool die, string grow) : IProgress<LoadProgress>
    {
        private bool _grown;

        public void Report(LoadProgress value)
        {
            if (die && value.TensorsDone * 2 >= value.TensorsTotal) Environment.Exit(9);
            if (grow.Length > 0 && !_grown)
            {
                using (var file = new FileStream(grow, FileMode.Append, FileAccess.Write)) file.Write(new byte[8]);
                _grown = true;
            }
        }
    }
}
