using ModelGen.Distributed;
using TorchSharp;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// Uses the group (collectives, error agreement, a tensor broadcast), then reports whether any MPI library is
/// mapped into this process.
/// </summary>
internal static class LibrariesScenario
{
    public static int Run(IProcessGroup group, Report report)
    {
        using var tensor = torch.arange(0, 16, dtype: torch.float32);
        group.Broadcast(tensor);
        group.Barrier();
        bool agreedFailure = group.AgreeOnError(null) is not null;
        bool libmpi = File.ReadLines("/proc/self/maps").Any(line => line.Contains("libmpi", StringComparison.Ordinal));
        report.Event("libraries", ("backend", group.Backend), ("size", group.Size), ("agreedFailure", agreedFailure), ("libmpiMapped", libmpi));
        return 0;
    }
}
