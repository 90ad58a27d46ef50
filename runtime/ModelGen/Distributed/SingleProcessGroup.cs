using ModelGen.Native;
using System.Diagnostics.CodeAnalysis;
using TorchSharp;

namespace ModelGen.Distributed;

/// <summary>
/// The default group: this process alone, rank 0 of 1. Collectives have nothing to exchange; it needs nothing
/// installed and never loads an MPI library.
/// </summary>
public sealed class SingleProcessGroup : IProcessGroup
{
    private bool _disposed;

    /// <inheritdoc />
    public string Backend => "single";

    /// <inheritdoc />
    public int Rank => 0;

    /// <inheritdoc />
    public int Size => 1;

    /// <inheritdoc />
    public int LocalRank => 0;

    /// <inheritdoc />
    public int LocalSize => 1;

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
    public long AllReduceMax(long value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return value;
    }

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

    private void CheckUsable(int root)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CollectiveArguments.CheckRoot(root, Size);
    }
}
