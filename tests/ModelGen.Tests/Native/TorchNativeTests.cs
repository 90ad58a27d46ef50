using ModelGen.Native;
using TorchSharp;

namespace ModelGen.Tests.Native;

public class TorchNativeTests
{
    [Fact]
    public void TorchCallWorksInTheBuiltTestHost()
    {
        // Fails with a DllNotFoundException / GLIBCXX error when the native fix-up was not applied on an old libstdc++.
        using var sum = torch.arange(1, 5, dtype: torch.float32).sum();
        Assert.Equal(10f, sum.item<float>());
    }

    [Fact]
    public void HugePagesAreRequestedByDefaultUnlessTheEnvironmentSaysOtherwise()
    {
        string? before = Environment.GetEnvironmentVariable(NativeEnvironment.HugePagesVariable);
        bool requested = NativeEnvironment.EnableHugePagesByDefault();
        // The test host inherits the caller's environment: an explicit 0 must be respected, no value means on.
        Assert.Equal(before is null || before == "1", requested);
        Assert.Equal(requested, NativeEnvironment.HugePagesRequested);
    }
}
