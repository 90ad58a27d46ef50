using System.Runtime.InteropServices;
using ModelGen.Loading.Transfer;
using ModelGen.Native;

namespace ModelGen.Tests.Native;

/// <summary>Cross-memory reads, exercised against this process itself (the kernel treats it like any peer).</summary>
public sealed unsafe class PeerMemoryTests
{
    [Fact]
    public void TheTotalLengthAddsEveryRange()
    {
        PeerRange[] ranges = [new(1, 2, 3), new(4, 5, 0), new(6, 7, 1L << 40)];

        Assert.Equal(3 + (1L << 40), PeerMemory.TotalLength(ranges));
        Assert.Equal(0, PeerMemory.TotalLength([]));
    }

    [Fact]
    public void ManyMoreRangesThanOneCallTakesAreAllCopied()
    {
        const int count = 3000, length = 7; // more than the 1024 ranges one call takes
        byte[] source = Enumerable.Range(0, count * length).Select(i => (byte)(i * 31)).ToArray();
        byte[] target = new byte[source.Length];
        fixed (byte* from = source, to = target)
        {
            var ranges = new PeerRange[count];
            for (int i = 0; i < count; i++)
                ranges[i] = new PeerRange((nint)(to + (i * length)), (nint)(from + (i * length)), length);
            PeerMemory.Read(Environment.ProcessId, ranges);
        }
        Assert.Equal(source, target);
    }

    [Fact]
    public void EmptyRangesAreSkipped()
    {
        long value = 42, copy = 0;
        PeerMemory.Read(Environment.ProcessId, [new PeerRange((nint)(&copy), (nint)(&value), 0), new PeerRange((nint)(&copy), (nint)(&value), sizeof(long))]);
        Assert.Equal(42, copy);
    }

    [Fact]
    public void AProcessThatDoesNotExistIsAnIOErrorNamingIt()
    {
        long value = 1, copy = 0;
        const int nobody = 0x3FFFFFF0; // above any pid_max
        PeerRange[] ranges = [new PeerRange((nint)(&copy), (nint)(&value), sizeof(long))];
        var error = Assert.Throws<IOException>(() => PeerMemory.Read(nobody, ranges));
        Assert.Contains(nobody.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
    }

    [Fact]
    public void AnUnmappedAddressIsAnIOError()
    {
        long copy = 0;
        PeerRange[] ranges = [new PeerRange((nint)(&copy), 8, sizeof(long))];
        Assert.Throws<IOException>(() => PeerMemory.Read(Environment.ProcessId, ranges));
    }

    [Fact]
    public void TheProbeAcceptsOnlyTheValueRankZeroPublished()
    {
        long published = 0x1234_5678_9ABC_DEF0;
        Assert.Null(TransportSelection.TryReadBack(1, Environment.ProcessId, (nint)(&published), published));
        Exception? wrong = TransportSelection.TryReadBack(1, Environment.ProcessId, (nint)(&published), published + 1);
        Assert.Contains("another machine", Assert.IsType<IOException>(wrong).Message);
        Exception? gone = TransportSelection.TryReadBack(2, 0x3FFFFFF0, (nint)(&published), published);
        Assert.Contains("rank 2 cannot read rank 0", Assert.IsType<IOException>(gone).Message);
    }
}
