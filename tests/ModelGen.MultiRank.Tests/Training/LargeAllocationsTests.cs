using ModelGen.MultiRank.Tests.Launching;

namespace ModelGen.MultiRank.Tests.Training;

/// <summary>
/// In a fresh process: by default glibc serves an 8 MiB block from its heap once a larger mapped block was freed;
/// after <see cref="ModelGen.Training.LargeAllocations.MapFromSystem"/> the same request is mapped from the system.
/// </summary>
public sealed class LargeAllocationsTests
{
    [Fact]
    public async Task AfterMapFromSystemLargeBlocksAreMappedInsteadOfServedFromTheHeap()
    {
        WorkerRun run = await WorkerLauncher.RunAloneAsync(["allocator"], TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, run.ToString());
        var e = Assert.Single(run.Named("allocator"));
        Assert.Equal("False", e["beforeMapped"]);
        Assert.Equal("True", e["applied"]);
        Assert.Equal("True", e["afterMapped"]);
    }
}
