using ModelGen.Distributed;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// The rank "thrower" throws an exception nobody catches while the others wait for its broadcast: the failure
/// must end the job rather than leave the others waiting (the group is disposed by a using statement around it).
/// </summary>
internal static class ThrowScenario
{
    public static int Run(IProcessGroup group, Report report, WorkerOptions options)
    {
        int thrower = options.Int("thrower", 1);
        group.Barrier();
        report.Event("ready");
        if (group.Rank == thrower)
            throw new InvalidOperationException($"rank {thrower} failed without telling the others");

        Span<byte> never = stackalloc byte[8];
        group.Broadcast(never, root: thrower);
        report.Event("unexpectedly-received");
        return 0;
    }
}
