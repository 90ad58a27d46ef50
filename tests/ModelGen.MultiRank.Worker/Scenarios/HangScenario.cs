using ModelGen.Distributed;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// A job that never ends on its own: rank 0 sleeps while the others wait for its broadcast. It exists to check that
/// the tests' time bound kills every process of a stuck job.
/// </summary>
internal static class HangScenario
{
    public static int Run(IProcessGroup group, Report report)
    {
        report.Event("hanging");
        if (group.Rank == 0)
            Thread.Sleep(Timeout.Infinite);
        Span<byte> never = stackalloc byte[8];
        group.Broadcast(never, root: 0);
        return 0;
    }
}
