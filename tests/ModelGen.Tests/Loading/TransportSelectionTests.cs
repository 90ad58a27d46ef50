using System.Runtime.InteropServices;
using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.Loading.Transfer;
using TorchSharp;

namespace ModelGen.Tests.Loading;

/// <summary>
/// The transport choice as rank 1 of 2 sees it: the probe message rank 0 "broadcasts" is scripted, the agreement is
/// the real one over this rank's vote alone.
/// </summary>
public sealed unsafe class TransportSelectionTests
{
    /// <summary>Rank 1 of 2; every broadcast delivers the scripted probe message (process id, address, value).</summary>
    private sealed class RankOneOfTwo(long processId, nint address, long value) : IProcessGroup
    {
        public string Backend => "scripted";
        public int Rank => 1;
        public int Size => 2;
        public int LocalRank => 1;
        public int LocalSize => 2;
        public TimeSpan Timeout { get; set; } = ProcessGroupTimeout.Default;

        public void Broadcast(Span<byte> buffer, int root = 0)
        {
            long[] message = [processId, address, value];
            MemoryMarshal.AsBytes(message.AsSpan()).CopyTo(buffer);
        }

        public void Broadcast(torch.Tensor tensor, int root = 0) => throw new NotSupportedException();
        public void BroadcastNative(nint address, long byteCount, int root = 0) => throw new NotSupportedException();
        public byte[] BroadcastMessage(ReadOnlySpan<byte> payload, int root = 0) => payload.ToArray();
        public long AllReduceMax(long value) => value;
        public void AllGather(torch.Tensor input, torch.Tensor output) => throw new NotSupportedException();
        public void AllReduce(torch.Tensor tensor, ReduceOp op = ReduceOp.Sum) => throw new NotSupportedException();
        public void ReduceScatter(torch.Tensor input, torch.Tensor output, ReduceOp op = ReduceOp.Sum) => throw new NotSupportedException();
        public void ScatterNative(nint sendAddress, ReadOnlySpan<long> byteCounts, ReadOnlySpan<long> byteOffsets, nint receiveAddress, long receiveBytes, int root = 0) => throw new NotSupportedException();
        public void GatherNative(nint sendAddress, long sendBytes, nint receiveAddress, ReadOnlySpan<long> byteCounts, ReadOnlySpan<long> byteOffsets, int root = 0) => throw new NotSupportedException();
        public void Barrier() { }
        public DistributedLoadException? AgreeOnError(Exception? localFailure) => ErrorAgreement.Agree(this, localFailure);
        [System.Diagnostics.CodeAnalysis.DoesNotReturn]
        public void Abort(int errorCode) => throw new InvalidOperationException($"abort {errorCode}");
        public void Dispose() { }
    }

    private const long Value = 0x0DDC_0FFE_EBAD_F00D;

    // Native memory, so the address stays valid; one small block for the test process's lifetime.
    private static readonly long* Published = Publish();

    private static long* Publish()
    {
        var p = (long*)NativeMemory.Alloc(sizeof(long));
        *p = Value;
        return p;
    }

    private static RankOneOfTwo Readable() => new(Environment.ProcessId, (nint)Published, Value);

    [Fact]
    public void PeerReadsWhenEveryRankReadsBackThePublishedValue()
    {
        Assert.IsType<PeerReadTransport>(TransportSelection.Choose(Readable(), LoadTransport.Auto));
        Assert.IsType<PeerReadTransport>(TransportSelection.Choose(Readable(), LoadTransport.PeerRead));
    }

    [Fact]
    public void AutoFallsBackToBroadcastWhenARankCannotReadRankZero()
    {
        var elsewhere = new RankOneOfTwo(0x3FFFFFF0, (nint)Published, Value);
        Assert.IsType<BroadcastTransport>(TransportSelection.Choose(elsewhere, LoadTransport.Auto));
    }

    [Fact]
    public void RequiredPeerReadsFailOnEveryRankNamingTheRankThatCannot()
    {
        var otherValue = new RankOneOfTwo(Environment.ProcessId, (nint)Published, Value + 1);
        var error = Assert.Throws<DistributedLoadException>(() => TransportSelection.Choose(otherValue, LoadTransport.PeerRead));
        Assert.Contains("rank 1 read another process than rank 0", error.Message);
    }

    [Fact]
    public void BroadcastWhenAskedAndNoTransportForOneProcess()
    {
        Assert.IsType<BroadcastTransport>(TransportSelection.Choose(Readable(), LoadTransport.Broadcast));
        using IProcessGroup single = ProcessGroups.Single();
        Assert.Null(TransportSelection.Choose(single, LoadTransport.PeerRead));
    }
}
