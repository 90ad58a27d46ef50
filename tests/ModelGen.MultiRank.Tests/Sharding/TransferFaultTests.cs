using ModelGen.MultiRank.Tests.Launching;
using ModelGen.MultiRank.Tests.Loading;
using ModelGen.MultiRank.Worker.Scenarios;

namespace ModelGen.MultiRank.Tests.Sharding;

/// <summary>
/// A fully sharded transfer on 3 real MPI ranks where one rank fails in the middle: every rank enters the same batch
/// agreement however far it got, so every rank throws the failing rank's error and the job ends normally.
/// </summary>
public sealed class TransferFaultTests
{
    [Theory]
    [InlineData("Auto")]
    [InlineData("Broadcast")]
    public async Task Rank0FailingHalfWayThroughABatchEndsEveryRankWithItsError(string transport)
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["transfer-fault", "fault=prepare", $"transport={transport}"]);

        AssertSameFailure(run, "rank 0 cannot read 'w1'");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task ARankThatCouldNotPlaceATensorEndsEveryRankWithItsErrorInTheNextBatch(int failing)
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["transfer-fault", "fault=place", $"rank={failing}"]);

        AssertSameFailure(run, $"rank {failing} cannot place 'w0'");
    }

    private static void AssertSameFailure(WorkerRun run, string mentioned) =>
        LoadFailureAssertions.AssertSameFailureOnEveryRank(run, "DistributedLoadException", mentioned, WorkerLauncher.Ranks,
            "transfer-failed", "transferred", TransferFaultScenario.FailedExitCode);
}
