using ModelGen.Native;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using TorchSharp;

namespace ModelGen.Distributed;

/// <summary>
/// The default group: this process alone, rank 0 of 1. Collectives have nothing to exchange; it needs nothing
/// installed and never loads an MPI library.
/// </summary>
public sealed class SingleProcessGroup : IProcessGroup
{
    private bool _disposed;
    private TimeSpan _timeout = ProcessGroupTimeout.Default;

    /// <inheritdoc />
    public string Backend => "single";

    /// <summary>Whether <see cref="Dispose"/> was called.</summary>
    internal bool IsDisposed => _disposed;

    /// <inheritdoc />
    public int Rank => 0;

    /// <inheritdoc />
    public int Size => 1;

    /// <inheritdoc />
    public int LocalRank => 0;

    /// <inheritdoc />
    public int LocalSize => 1;

    /// <inheritdoc />
    /// <remarks>Kept for callers that set it alike on every group; one process never waits for another.</remarks>
    public TimeSpan Timeout
    {
        get => _timeout;
        set
        {
            ProcessGroupTimeout.Check(value);
            _timeout = value;
        }
    }

    /// <inheritdoc />
    public void Broadcast(torch.Tensor tensor, int root = 0)
    {
        CheckUsable(root);
        TensorMemory.Of(tensor, nameof(tensor));
    }

    /// <inheritdoc />
    public void Broadcast(Span<byte> buffer, int root = 0) => CheckUsable(root);

    /// <inheritdoc />
    public void BroadcastNative(nint address, long byteCount, int root = 0)
    {
        CheckUsable(root);
        CollectiveArguments.CheckRange(address, byteCount);
    }

    /// <inheritdoc />
    public byte[] BroadcastMessage(ReadOnlySpan<byte> payload, int root = 0)
    {
        CheckUsable(root);
        return payload.ToArray();
    }

    /// <inheritdoc />
    public void AllGather(torch.Tensor input, torch.Tensor output)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        TensorArguments.CheckAllGather(input, output, Size);
        CopyInto(input, output);
    }

    /// <inheritdoc />
    public void AllReduce(torch.Tensor tensor, ReduceOp op = ReduceOp.Sum)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        TensorArguments.CheckAllReduce(tensor, op);
        // One rank: the sum is the tensor itself and the average divides by 1.
    }

    /// <inheritdoc />
    public void ReduceScatter(torch.Tensor input, torch.Tensor output, ReduceOp op = ReduceOp.Sum)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        TensorArguments.CheckReduceScatter(input, output, op, Size);
        CopyInto(input, output);
    }

    /// <inheritdoc />
    public unsafe void ScatterNative(nint sendAddress, ReadOnlySpan<long> byteCounts, ReadOnlySpan<long> byteOffsets, nint receiveAddress, long receiveBytes, int root = 0)
    {
        CheckUsable(root);
        CollectiveArguments.CheckRange(receiveAddress, receiveBytes);
        CheckOwnPart(nameof(ScatterNative), sendAddress, byteCounts, byteOffsets, nameof(receiveBytes), receiveBytes);
        if (receiveBytes > 0)
            NativeMemory.Copy((byte*)sendAddress + byteOffsets[0], (void*)receiveAddress, (nuint)receiveBytes);
    }

    /// <inheritdoc />
    public unsafe void GatherNative(nint sendAddress, long sendBytes, nint receiveAddress, ReadOnlySpan<long> byteCounts, ReadOnlySpan<long> byteOffsets, int root = 0)
    {
        CheckUsable(root);
        CollectiveArguments.CheckRange(sendAddress, sendBytes);
        CheckOwnPart(nameof(GatherNative), receiveAddress, byteCounts, byteOffsets, nameof(sendBytes), sendBytes);
        if (sendBytes > 0)
            NativeMemory.Copy((void*)sendAddress, (byte*)receiveAddress + byteOffsets[0], (nuint)sendBytes);
    }

    /// <inheritdoc />
    public long AllReduceMax(long value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return value;
    }

    /// <inheritdoc />
    public void AllReduceMax(Span<long> values) => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <inheritdoc />
    public void Barrier() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <inheritdoc />
    public DistributedLoadException? AgreeOnError(Exception? localFailure)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return ErrorAgreement.Agree(this, localFailure);
    }

    /// <inheritdoc />
    [DoesNotReturn]
    public void Abort(int errorCode)
    {
        Environment.Exit(errorCode);
        throw new InvalidOperationException("The process did not exit.");
    }

    /// <inheritdoc />
    public void Dispose() => _disposed = true;

    private void CheckOwnPart(string operation, nint rootAddress, ReadOnlySpan<long> byteCounts, ReadOnlySpan<long> byteOffsets, string countName, long count)
    {
        if (NativeArguments.ProblemWithRootParts(operation, rootAddress, byteCounts, byteOffsets, Size) is { } problem)
            throw new ArgumentException(problem, nameof(byteCounts));
        if (byteCounts[0] != count)
            throw new ArgumentException(NativeArguments.Mismatch(operation, Rank, countName, count, byteCounts[0]), countName);
    }

    private static void CopyInto(torch.Tensor source, torch.Tensor destination)
    {
        using var noGrad = torch.no_grad();
        using torch.Tensor shaped = source.reshape(destination.shape);
        destination.copy_(shaped);
    }

    private void CheckUsable(int root)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CollectiveArguments.CheckRoot(root, Size);
    }
}
