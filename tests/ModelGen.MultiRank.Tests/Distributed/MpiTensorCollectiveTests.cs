using ModelGen.MultiRank.Tests.Launching;

namespace ModelGen.MultiRank.Tests.Distributed;

/// <summary>AllGather, AllReduce and ReduceScatter across a real 3-rank Open MPI job, values checked on every rank.</summary>
public class MpiTensorCollectiveTests
{
    [Theory]
    [InlineData("float32", "contiguous", 0)]
    [InlineData("bfloat16", "transposed", 0)]
    [InlineData("int64", "transposed", 0)]
    [InlineData("uint8", "contiguous", 0)]
    // 1200 float32 elements per rank in pieces of 1000 bytes: every block takes 5 broadcasts, the last one short.
    [InlineData("float32", "transposed", 1000)]
    public async Task AllGatherPutsRankRsBlockAtBlockROnEveryRank(string dtype, string layout, int chunk)
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["all-gather", $"dtype={dtype}", $"layout={layout}", $"chunk={chunk}"]);

        AssertEqualOnEveryRank(run, "all-gather", layout);
    }

    [Theory]
    [InlineData("float32", "sum", "contiguous", 0)]
    [InlineData("float64", "sum", "transposed", 0)]
    [InlineData("float32", "average", "transposed", 0)]
    [InlineData("bfloat16", "average", "contiguous", 0)]
    [InlineData("bfloat16", "sum", "transposed", 0)]
    [InlineData("float16", "sum", "contiguous", 0)]
    // 1200 float32 elements in pieces of 1000 bytes: 5 reductions, the last one short.
    [InlineData("float32", "sum", "contiguous", 1000)]
    public async Task AllReduceLeavesTheExactSumOrAverageOnEveryRank(string dtype, string op, string layout, int chunk)
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["all-reduce", $"dtype={dtype}", $"op={op}", $"layout={layout}", $"chunk={chunk}"]);

        AssertEqualOnEveryRank(run, "all-reduce", layout);
    }

    [Fact]
    public async Task BFloat16IsSummedInFloat32()
    {
        // 256 + 0.75 + 0.75: exact in float32 (257.5, rounded once to bfloat16's 258); summed in bfloat16 at least one
        // of the three probe elements would add 0.75 to 256 alone and keep 256.
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["all-reduce", "dtype=bfloat16", "op=sum"]);

        AssertEqualOnEveryRank(run, "all-reduce", "contiguous");
        Assert.All(run.Named("all-reduce"), e => Assert.Equal("258", e["probe"]));
    }

    [Theory]
    [InlineData("float32", "sum", "contiguous", 0)]
    [InlineData("float64", "average", "transposed", 0)]
    [InlineData("bfloat16", "average", "transposed", 0)]
    [InlineData("float16", "sum", "contiguous", 0)]
    // Blocks of 1200 float32 elements in pieces of 1000 bytes: 5 rounds of one reduction per rank.
    [InlineData("float32", "sum", "transposed", 1000)]
    [InlineData("bfloat16", "average", "contiguous", 1000)]
    public async Task ReduceScatterGivesRankRTheReductionOfBlockR(string dtype, string op, string layout, int chunk)
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["reduce-scatter", $"dtype={dtype}", $"op={op}", $"layout={layout}", $"chunk={chunk}"]);

        AssertEqualOnEveryRank(run, "reduce-scatter", layout);
    }

    private static void AssertEqualOnEveryRank(WorkerRun run, string name, string layout)
    {
        Assert.True(run.ExitCode == 0, run.ToString());
        IReadOnlyList<WorkerEvent> events = run.Named(name);
        Assert.Equal([0, 1, 2], events.Select(e => e.Rank));
        Assert.All(events, e =>
        {
            Assert.Equal("True", e["equal"]);
            Assert.Equal(layout == "contiguous" ? "True" : "False", e["contiguous"]);
        });
    }
}
