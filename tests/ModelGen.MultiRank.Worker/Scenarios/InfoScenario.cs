using ModelGen.Distributed;
using ModelGen.Distributed.Mpi;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>What the group and the launcher's variables say about this rank.</summary>
internal static class InfoScenario
{
    public static int Run(IProcessGroup group, Report report)
    {
        RankInfo launcher = RankInfo.FromEnvironment();
        int threadLevel = group is MpiProcessGroup mpi ? mpi.ThreadLevel : -1;
        report.Event("info",
            ("backend", group.Backend), ("size", group.Size),
            ("localRank", group.LocalRank), ("localSize", group.LocalSize), ("threadLevel", threadLevel),
            ("envRank", launcher.Rank), ("envSize", launcher.Size), ("envLocalRank", launcher.LocalRank),
            ("envLocalSize", launcher.LocalSize), ("envSource", launcher.Source));
        return 0;
    }
}
