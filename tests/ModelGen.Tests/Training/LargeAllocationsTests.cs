using ModelGen.Training;

namespace ModelGen.Tests.Training;

/// <summary>glibc takes the fixed mmap threshold, as often as it is applied (the effect is tested in a fresh process by the multi-rank tests).</summary>
public sealed class LargeAllocationsTests
{
    [Fact]
    public void GlibcTakesTheThresholdEveryTime()
    {
        Assert.True(LargeAllocations.MapFromSystem(), "glibc on Linux takes the setting");
        Assert.True(LargeAllocations.MapFromSystem(), "applying it again is harmless");
    }
}
