using ModelGen.Distributed;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// First a round where no rank fails, then a round where the ranks in "fail" throw. Every rank must report the
/// same agreed failure and exit with code 3, having finalized MPI with the others (no hang).
/// </summary>
internal static class AgreeScenario
{
    public const int FailureExitCode = 3;

    public static int Run(IProcessGroup group, Report report, WorkerOptions options)
    {
        DistributedLoadException? none = group.AgreeOnError(null);
        report.Event("agree-none", ("failed", none is not null));

        IReadOnlySet<int> failing = options.Ranks("fail");
        try
        {
            group.RunAndAgree(() =>
            {
                if (failing.Contains(group.Rank))
                    throw new InvalidDataException($"checkpoint key 'layers.{group.Rank}.weight' is missing on rank {group.Rank}");
            });
            report.Event("agree-ok");
            return 0;
        }
        catch (DistributedLoadException e)
        {
            report.Event("agree-failed",
                ("failingRank", e.FailingRank), ("worldSize", e.WorldSize), ("hasInner", e.InnerException is not null),
                ("message", e.Message));
            // Every rank's line is out before any rank exits non-zero: mpirun then ends the others at once.
            group.Barrier();
            return FailureExitCode;
        }
    }
}
