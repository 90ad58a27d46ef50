using ModelGen.Distributed.Mpi;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// How an MPI group starts and ends. "owned": the group initializes MPI, so disposing it finalizes MPI, once, and
/// no group can be opened afterwards. "adopted": MPI was initialized before the group (as another library would
/// do), so disposing the group leaves MPI running for its owner. Runs before any other group is opened.
/// Option "abort=yes" aborts through the finalized group at the end.
/// </summary>
internal static unsafe class LifecycleScenario
{
    public static int Run(string mode, bool abortAtEnd)
    {
        MpiApi api = MpiApi.Load();
        if (mode == "adopted")
        {
            int provided;
            api.Check(api.InitThread(null, null, MpiApi.ThreadMultiple, &provided), "MPI_Init_thread");
        }

        var group = MpiProcessGroup.Create();
        var report = new Report(group.Rank);
        report.Event("opened", ("owns", group.OwnsInitialization), ("size", group.Size));
        report.Event("second-open", ("error", ErrorOf(() => MpiProcessGroup.Create())));

        group.Barrier();
        group.Dispose();
        group.Dispose();
        report.Event("disposed", ("finalized", IsFinalized(api)), ("barrierError", ErrorOf(group.Barrier)));

        if (mode == "adopted")
        {
            using (var again = MpiProcessGroup.Create())
            {
                again.Barrier();
                report.Event("reopened", ("owns", again.OwnsInitialization));
            }
            api.Check(api.Finalize(), "MPI_Finalize");
        }
        report.Event("open-after-finalize", ("error", ErrorOf(() => MpiProcessGroup.Create())));
        if (abortAtEnd)
            group.Abort(4); // MPI is finalized: this ends just this process, with the code.
        return 0;
    }

    private static bool IsFinalized(MpiApi api)
    {
        int finalized;
        api.Check(api.Finalized(&finalized), "MPI_Finalized");
        return finalized != 0;
    }

    private static string ErrorOf(Action action)
    {
        try
        {
            action();
            return "none";
        }
        catch (Exception e)
        {
            return e.GetType().Name;
        }
    }
}
