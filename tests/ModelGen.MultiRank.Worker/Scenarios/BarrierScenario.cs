using ModelGen.Distributed;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// Ranks reach the barrier at different times (rank r after r x 400 ms); no rank may leave before the last one
/// arrived. Times are Unix milliseconds: all ranks run on one machine and share its clock.
/// </summary>
internal static class BarrierScenario
{
    public static int Run(IProcessGroup group, Report report)
    {
        group.Barrier();
        Thread.Sleep(400 * group.Rank);
        long entered = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        group.Barrier();
        long left = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        report.Event("barrier", ("entered", entered), ("left", left));
        return 0;
    }
}
