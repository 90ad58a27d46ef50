using ModelGen.Distributed;
using ModelGen.Distributed.Mpi;
using ModelGen.Loading;
using ModelGen.MultiRank.Worker.Loading;
using TorchSharp;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// The process-wide group outlives loads: two loads in a row without a group of their own, then
/// ProcessGroups.FromEnvironment() again (the same open group every time) and an all-reduce on it. The program ends
/// without disposing the group: MPI is finalized at process exit, and every rank must exit with code 0.
/// Options: checkpoint=PATH; dispose=yes disposes the group at the end (which finalizes MPI) and asks for it again.
/// </summary>
internal static unsafe class SharedGroupScenario
{
    public static int Run(WorkerOptions options)
    {
        string checkpoint = options.Text("checkpoint", "");
        LoadReport first = ShardedLoader.Load(MetaConstruction.Build(() => new RankTestModel()), checkpoint);
        LoadReport second = ShardedLoader.Load(MetaConstruction.Build(() => new RankTestModel()), checkpoint);

        IProcessGroup group = ProcessGroups.FromEnvironment();
        var report = new Report(group.Rank);
        report.Event("loads", ("first", first.LoadedKeys.Count), ("second", second.LoadedKeys.Count), ("ranks", second.Ranks), ("backend", second.Backend));

        using torch.Tensor values = torch.full([4], group.Rank + 1.0f);
        group.AllReduce(values);
        report.Event("after-loads",
            ("sameGroup", ReferenceEquals(group, ProcessGroups.FromEnvironment()) && ReferenceEquals(group, ProcessGroups.Mpi())),
            ("sum", values[0].item<float>()),
            ("finalized", IsFinalized()));

        if (options.Text("dispose", "no") == "yes")
        {
            group.Dispose();
            string again;
            try
            {
                ProcessGroups.FromEnvironment();
                again = "none";
            }
            catch (InvalidOperationException e)
            {
                again = e.Message.Replace(' ', '_');
            }
            report.Event("after-dispose", ("finalized", IsFinalized()), ("again", again));
        }
        return 0;
    }

    private static bool IsFinalized()
    {
        MpiApi api = MpiApi.Load();
        int finalized;
        api.Check(api.Finalized(&finalized), "MPI_Finalized");
        return finalized != 0;
    }
}
