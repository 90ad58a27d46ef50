using ModelGen.Benchmarks.Scenarios;
using Result = ModelGen.Benchmarks.Scenarios.LoadSummary.ScenarioResult;

namespace ModelGen.Benchmarks.Tests;

public class LoadTargetsTests
{
    private const long MiB = 1 << 20;
    private const long P = 1536 * MiB;
    private const long Base = 150 * MiB;

    private static Result Make(string scenario, double wall, long[] growth, long[] received, string placement = "FullyShard", string size = "1.5gib", long model = P, long init = 0) =>
        new(size, scenario, growth.Length, 1, placement, model, placement == "FullyShard" ? model / growth.Length : model,
            growth.Select(_ => placement == "FullyShard" ? model / growth.Length : model).ToArray(), received,
            growth.Select(_ => Base).ToArray(), growth.Select(g => Base + g).ToArray(), wall, [wall], init);

    private static Result Sharded(double wall = 1.0, long[]? growth = null, long[]? received = null, long init = 0) =>
        Make("modelgen-sharded", wall, growth ?? [P / 3 + 100 * MiB, P / 3 + 20 * MiB, P / 3 + 20 * MiB], received ?? [0, P / 3, P / 3 - MiB], init: init);

    private static Dictionary<string, Result> Peers(Result modelgenSharded) => new(StringComparer.Ordinal)
    {
        ["modelgen-sharded"] = modelgenSharded,
        ["floor-sharded"] = Make("floor-sharded", 0.9, [P / 3 + 90 * MiB, P / 3 + 5 * MiB, P / 3 + 5 * MiB], [0, P / 3, P / 3]),
        ["pytorch-sharded"] = Make("pytorch-sharded", 3.5, [P + P / 3, P / 3 + 200 * MiB, P / 3 + 200 * MiB], [0, P, P]),
        ["naive"] = Make("naive", 14, [2 * P, 2 * P, 2 * P], [0, 0, 0], placement: "Replicated"),
    };

    private static Dictionary<string, TargetCheck> Checks(Dictionary<string, Result> scenarios) =>
        LoadTargets.Check(3, scenarios).ToDictionary(c => c.Check, StringComparer.Ordinal);

    [Fact]
    public void AShardedLoadWithinEveryBoundMeetsEveryTarget()
    {
        var checks = Checks(Peers(Sharded()));

        Assert.Equal(
            ["floor-sharded peak - before, every rank", "floor-sharded received per non-zero rank / (P/3)",
             "modelgen-sharded peak - before, every rank", "modelgen-sharded received per non-zero rank / (P/3)",
             "modelgen-sharded init calls on loaded tensors", "modelgen-sharded summed peak RSS / naive",
             "modelgen-sharded wall / floor-sharded wall", "modelgen-sharded wall / pytorch-sharded wall",
             "modelgen-sharded peak RSS < pytorch-sharded, every rank"],
            checks.Keys);
        Assert.All(checks.Values, c => Assert.True(c.Met, c.Check + ": " + c.Measured));
    }

    [Fact]
    public void Rank0GrowingPastItsShareAndTheWindowFailsTheMemoryTarget()
    {
        var checks = Checks(Peers(Sharded(growth: [P / 3 + 161 * MiB, P / 3, P / 3])));

        Assert.False(checks["modelgen-sharded peak - before, every rank"].Met);
    }

    [Theory]
    [InlineData(1.02)]
    [InlineData(0.98)]
    [InlineData(3.0)]
    public void ReceivingOtherThanTheShareFailsTheReceivedTarget(double factor)
    {
        var checks = Checks(Peers(Sharded(received: [0, P / 3, (long)(P / 3 * factor)])));

        Assert.False(checks["modelgen-sharded received per non-zero rank / (P/3)"].Met);
    }

    [Fact]
    public void WallAgainstTheFloorAndPyTorchAndInitCallsAreChecked()
    {
        var slow = Checks(Peers(Sharded(wall: 1.2, init: 1)));

        Assert.False(slow["modelgen-sharded wall / floor-sharded wall"].Met);        // 1.2 / 0.9 > 1.25
        Assert.False(slow["modelgen-sharded wall / pytorch-sharded wall"].Met);      // 1.2 > 3.5 / 3
        Assert.False(slow["modelgen-sharded init calls on loaded tensors"].Met);
    }

    [Fact]
    public void APeakAbovePyTorchsOnAnyRankFailsThePeakTarget()
    {
        var checks = Checks(Peers(Sharded(growth: [P / 3, P / 3, P / 3 + 201 * MiB])));

        Assert.False(checks["modelgen-sharded peak RSS < pytorch-sharded, every rank"].Met);
    }

    [Fact]
    public void OneRankHasNoShardedTargetsAndReplicatedTargetsStay()
    {
        var scenarios = new Dictionary<string, Result>(StringComparer.Ordinal)
        {
            ["modelgen-sharded"] = Make("modelgen-sharded", 0.2, [P + 10 * MiB], [0]),
            ["modelgen"] = Make("modelgen", 0.2, [P + 10 * MiB], [0], placement: "Replicated"),
        };

        var checks = LoadTargets.Check(1, scenarios).Select(c => c.Check).ToArray();

        Assert.Equal(["modelgen peak - before, worst rank", "modelgen init calls on loaded tensors"], checks);
    }

    [Fact]
    public void TheReportAddsAScalingTableOnlyWhenSeveralSizesRan()
    {
        Result small = Make("floor-sharded", 0.3, [P / 6 + 90 * MiB, P / 6, P / 6], [0, P / 6, P / 6], size: "0.75gib", model: P / 2);
        Result large = Make("floor-sharded", 0.9, [P / 3 + 90 * MiB, P / 3, P / 3], [0, P / 3, P / 3]);

        string one = LoadReport.Markdown([large]);
        string two = LoadReport.Markdown([small, large]);

        Assert.DoesNotContain("Scaling", one, StringComparison.Ordinal);
        Assert.Contains("| 3 | floor-sharded | 768 | 0.30 | 0.400 |", two, StringComparison.Ordinal);
        Assert.Contains("| 3 | floor-sharded | 1536 | 0.90 | 0.600 |", two, StringComparison.Ordinal);
        Assert.Contains("### 0.75gib: model 768 MiB", two, StringComparison.Ordinal);
        Assert.Contains("| 3 | floor-sharded | 1 | 0.90 | 752 / 662 / 662 | 602 / 512 / 512 | 512 / 512 / 512 | 0 / 512 / 512 | 1536 | 0 |", one, StringComparison.Ordinal);
    }
}
