using ModelGen.Distributed;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>The rank "caller" aborts the job with code "code" while the others wait in a barrier.</summary>
internal static class AbortScenario
{
    public static int Run(IProcessGroup group, Report report, WorkerOptions options)
    {
        int caller = options.Int("caller", 1);
        group.Barrier();
        report.Event("ready");
        if (group.Rank == caller)
            group.Abort(options.Int("code", 5));

        group.Barrier();
        report.Event("unexpectedly-passed");
        return 0;
    }
}
