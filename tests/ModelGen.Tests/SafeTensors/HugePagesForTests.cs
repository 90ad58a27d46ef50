using System.Runtime.CompilerServices;
using ModelGen.Native;

namespace ModelGen.Tests.SafeTensors;

internal static class HugePagesForTests
{
    // Applications get huge pages when ModelGen loads; in this test host a test may allocate tensors before any
    // ModelGen type is touched, so request them when the test assembly loads. Without them, the >2 GiB tests
    // spend most of their time faulting in 4 KiB pages.
#pragma warning disable CA2255 // Must run before the first tensor allocation of the test host.
    [ModuleInitializer]
    internal static void Enable() => NativeEnvironment.EnableHugePagesByDefault();
#pragma warning restore CA2255
}
