using ModelGen.MultiRank.Tests.Launching;

namespace ModelGen.MultiRank.Tests.Distributed;

/// <summary>Collectives across a real 3-rank Open MPI job.</summary>
public class MpiCollectiveTests
{
    [Fact]
    public async Task EveryRankKnowsItsRankSizeAndLocalPlaceAndGetsFullThreadSupport()
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["info"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        IReadOnlyList<WorkerEvent> info = run.Named("info");
        Assert.Equal([0, 1, 2], info.Select(e => e.Rank));
        Assert.All(info, e =>
        {
            Assert.Equal("mpi", e["backend"]);
            Assert.Equal("3", e["size"]);
            Assert.Equal(e.Rank.ToString(), e["localRank"]);
            Assert.Equal("3", e["localSize"]);
            Assert.Equal("3", e["threadLevel"]); // MPI_THREAD_MULTIPLE
            // The launcher's variables, read without MPI, agree with MPI.
            Assert.Equal("OpenMpi", e["envSource"]);
            Assert.Equal(e.Rank.ToString(), e["envRank"]);
            Assert.Equal("3", e["envSize"]);
            Assert.Equal(e.Rank.ToString(), e["envLocalRank"]);
        });
    }

    [Theory]
    [InlineData("uint8", 64L << 20, 0)]
    [InlineData("float32", 4_000_000L, 1)]
    public async Task BroadcastTensorArrivesByteExactOnEveryRank(string dtype, long bytes, int root)
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["broadcast", $"dtype={dtype}", $"bytes={bytes}", $"root={root}"]);

        AssertSameBytesEverywhere(run, bytes, root);
    }

    [Fact]
    public async Task BroadcastSplitIntoManyPiecesArrivesByteExact()
    {
        // The same path a tensor over 2 GiB takes (pieces below MPI's int count), made cheap with a small piece
        // size: 1,000,003 bytes in pieces of 4,093 bytes is 245 calls, the last one short.
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["broadcast", "bytes=1000003", "chunk=4093", "root=2"]);

        AssertSameBytesEverywhere(run, 1_000_003, root: 2);
        Assert.All(run.Named("broadcast"), e => Assert.Equal("4093", e["chunk"]));
    }

    [Fact]
    public async Task MessagesOfLengthOnlyTheRootKnowsSpansAndMaxReductionAgreeEverywhere()
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["message"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        IReadOnlyList<WorkerEvent> messages = run.Named("message");
        Assert.Equal(9, messages.Count);
        Assert.All(messages, e =>
        {
            int root = int.Parse(e["root"]);
            Assert.Equal($"header_from_rank_{root}:_xx", e["prefix"]);
            Assert.Equal((20 + 1000 * (root + 1)).ToString(), e["length"]);
        });
        Assert.Equal(["0", "0", "0"], run.Named("empty-message").Select(e => e["length"]));
        Assert.All(run.Named("span"), e => Assert.Equal(("12", "12"), (e["first"], e["last"])));
        Assert.Equal(["193", "193", "193"], run.Named("max").Select(e => e["value"]));
        Assert.Equal([$"{1L << 50},2,-5"], run.Named("max-several").Select(e => e["values"]).Distinct());
        Assert.Equal(["1000,1001,1002"], run.Named("agreed-slots").Select(e => e["values"]).Distinct());
        Assert.Equal(["2"], run.Named("agreed-ok").Select(e => e["values"]).Distinct());
        Assert.Equal(3, run.Named("agreed-ok").Count);
    }

    [Fact]
    public async Task AnAgreementCarryingNumbersEndsEveryRankWithTheLowestFailingRanksError()
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["message", "fail=2,1"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(run.Named("agreed-ok"));
        IReadOnlyList<WorkerEvent> failed = run.Named("agreed-failed");
        Assert.Equal([0, 1, 2], failed.Select(e => e.Rank).Order());
        Assert.All(failed, e => Assert.Equal("1", e["failingRank"]));
        Assert.Equal(["Rank 1 of 3 failed: System.IO.InvalidDataException: rank 1 could not read its slot"], failed.Select(e => e["message"]).Distinct());
    }

    [Fact]
    public async Task BarrierReleasesNoRankBeforeTheLastArrives()
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["barrier"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        IReadOnlyList<WorkerEvent> barrier = run.Named("barrier");
        Assert.Equal(3, barrier.Count);
        long lastArrival = barrier.Max(e => long.Parse(e["entered"]));
        long firstDeparture = barrier.Min(e => long.Parse(e["left"]));
        Assert.True(firstDeparture >= lastArrival, run.ToString());
        // Rank 2 arrives about 800 ms after rank 0 (less on a busy machine): rank 0 really waited.
        Assert.True(lastArrival - long.Parse(barrier[0]["entered"]) >= 400, run.ToString());
    }

    [Fact]
    public async Task BadArgumentsAreRefusedOnEveryRankBeforeAnyMpiCallSoTheJobGoesOn()
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["bad-arguments"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        IReadOnlyList<WorkerEvent> refused = run.Named("refused");
        Assert.Equal(3, refused.Count);
        Assert.All(refused, e =>
        {
            Assert.Equal("ArgumentOutOfRangeException", e["rootTooLarge"]);
            Assert.Equal("ArgumentOutOfRangeException", e["rootNegative"]);
            Assert.Equal("ArgumentException", e["metaTensor"]);
            Assert.Equal("ArgumentException", e["notContiguous"]);
            Assert.Equal("ArgumentOutOfRangeException", e["negativeLength"]);
            Assert.Equal("ArgumentException", e["gatherSizeMismatch"]);
            Assert.Equal("ArgumentException", e["reduceWrongDType"]);
            Assert.Equal("ArgumentException", e["reduceMetaTensor"]);
            Assert.Equal("ArgumentException", e["reduceScatterSizeMismatch"]);
        });
        Assert.All(run.Named("mpi-error"), e =>
            Assert.Equal(("MPI_Bcast", "1", "MPI_Bcast failed with MPI error 1: MPI_ERR_BUFFER: invalid buffer pointer"), (e["call"], e["code"], e["message"])));
        Assert.Equal(3, run.Named("still-running").Count);
    }

    private static void AssertSameBytesEverywhere(WorkerRun run, long bytes, int root)
    {
        Assert.True(run.ExitCode == 0, run.ToString());
        IReadOnlyList<WorkerEvent> received = run.Named("broadcast");
        Assert.Equal([0, 1, 2], received.Select(e => e.Rank));
        Assert.All(received, e =>
        {
            Assert.Equal(bytes.ToString(), e["bytes"]);
            Assert.Equal("True", e["equal"]);
            // Only the root held the data before: the others really received it.
            Assert.Equal(e.Rank == root ? "True" : "False", e["equalBefore"]);
        });
        Assert.Single(received.Select(e => e["sha256"]).Distinct());
    }
}
