using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.Sharding;
using static TorchSharp.torch;

namespace ModelGen.Tests.Loading;

/// <summary>The report breaks a load's time down by phase, in the order they ran, adding up to the load's time.</summary>
public sealed class LoadPhaseTests : IDisposable
{
    private readonly CheckpointFixture _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData(TensorPlacement.Replicated, new[] { "catalog", "nodes", "plan", "transport", "transfer", "finish" })]
    [InlineData(TensorPlacement.FullyShard, new[] { "catalog", "nodes", "plan", "items", "transport", "allocate", "prepare", "agree", "move", "complete", "transfer", "finish" })]
    public void EveryPhaseIsTimedOnceInOrderAndTheyAddUpToTheLoad(TensorPlacement placement, string[] phases)
    {
        var (path, _) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        HandWrittenModel model = MetaConstruction.Build(() => new HandWrittenModel(ScalarType.Float32));

        LoadReport report = ShardedLoader.Load(model, path, new LoadOptions { ProcessGroup = ProcessGroups.Single(), Placement = placement });

        Assert.Equal(phases, report.PhaseSeconds.Select(p => p.Key));
        Assert.All(report.PhaseSeconds, p => Assert.True(p.Value >= 0, p.Key));
        double sum = report.PhaseSeconds.Sum(p => p.Value);
        Assert.InRange(sum, 0, report.Seconds);
        // Only the report's own construction lies outside the phases.
        Assert.True(report.Seconds - sum < 0.05 + 0.1 * report.Seconds, $"phases {sum:F4} s of {report.Seconds:F4} s");
    }

    [Fact]
    public void APhaseMarkedTwiceAddsUpAndKeepsItsFirstPlace()
    {
        var phases = new LoadPhases();
        phases.Mark("a");
        Thread.Sleep(20);
        phases.Mark("b");
        Thread.Sleep(20);
        phases.Mark("a");

        IReadOnlyList<KeyValuePair<string, double>> seen = phases.Snapshot();
        Assert.Equal(["a", "b"], seen.Select(p => p.Key));
        Assert.True(seen[0].Value >= 0.015, $"a: {seen[0].Value}");
        Assert.True(seen[1].Value >= 0.015, $"b: {seen[1].Value}");
    }
}
