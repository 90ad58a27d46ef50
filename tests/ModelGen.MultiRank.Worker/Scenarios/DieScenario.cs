using System.Diagnostics;
using ModelGen.Distributed;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// The rank "victim" leaves mid-job (how="exit": Environment.Exit(7); how="kill": SIGKILL to itself) while the
/// others wait in a broadcast from it that never comes. The launcher must end the job.
/// </summary>
internal static class DieScenario
{
    public static int Run(IProcessGroup group, Report report, WorkerOptions options)
    {
        int victim = options.Int("victim", 1);
        string how = options.Text("how", "exit");
        group.Barrier();
        report.Event("ready");
        if (group.Rank == victim)
        {
            if (how == "kill")
                Process.GetCurrentProcess().Kill();
            Environment.Exit(7);
        }

        Span<byte> never = stackalloc byte[8];
        group.Broadcast(never, root: victim);
        report.Event("unexpectedly-received");
        return 0;
    }
}
