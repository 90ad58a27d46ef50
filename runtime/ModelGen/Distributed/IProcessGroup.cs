using System.Diagnostics.CodeAnalysis;
using TorchSharp;

namespace ModelGen.Distributed;

/// <summary>
/// The ranks of one job and the few collectives loading needs. Every collective must be called by every rank, in
/// the same order, with the same root and the same byte counts; a rank that skips one leaves the others waiting.
/// Use <see cref="AgreeOnError"/> before any collective that a failure on one rank could make a rank skip.
/// Issue a group's collectives from one thread at a time (any thread, for example a background thread that
/// broadcasts while another reads): concurrent collectives on one group have no order the ranks could agree on.
/// </summary>
public interface IProcessGroup : IDisposable
{
    /// <summary>The engine behind the group, for example <c>single</c> or <c>mpi</c>.</summary>
    string Backend { get; }

    /// <summary>This process's rank in the job, 0 to <see cref="Size"/> - 1.</summary>
    int Rank { get; }

    /// <summary>The number of processes in the job.</summary>
    int Size { get; }

    /// <summary>This process's rank among the job's processes on the same machine (the device index to use).</summary>
    int LocalRank { get; }

    /// <summary>The number of the job's processes on this machine.</summary>
    int LocalSize { get; }

    /// <summary>
    /// Copies the bytes of <paramref name="tensor"/> on <paramref name="root"/> into <paramref name="tensor"/> on every
    /// other rank, in place, straight from and into the tensor's native memory. Every rank passes a contiguous CPU
    /// tensor of the same byte size (receivers allocate it first).
    /// </summary>
    void Broadcast(torch.Tensor tensor, int root = 0);

    /// <summary>
    /// Copies <paramref name="buffer"/> on <paramref name="root"/> into <paramref name="buffer"/> on every other rank.
    /// Every rank passes a buffer of the same length.
    /// </summary>
    void Broadcast(Span<byte> buffer, int root = 0);

    /// <summary>
    /// Copies <paramref name="byteCount"/> bytes of native memory at <paramref name="address"/> on
    /// <paramref name="root"/> to <paramref name="address"/> on every other rank. Lengths above 2 GiB are allowed.
    /// </summary>
    void BroadcastNative(nint address, long byteCount, int root = 0);

    /// <summary>
    /// Sends a message whose length only <paramref name="root"/> knows (for example a header) to every rank.
    /// </summary>
    /// <param name="payload">The message on <paramref name="root"/>; ignored on the other ranks.</param>
    /// <param name="root">The sending rank.</param>
    /// <returns>The root's message, on every rank.</returns>
    byte[] BroadcastMessage(ReadOnlySpan<byte> payload, int root = 0);

    /// <summary>The largest of the values the ranks pass, on every rank.</summary>
    long AllReduceMax(long value);

    /// <summary>Returns on each rank once every rank has called it.</summary>
    void Barrier();

    /// <summary>
    /// Tells every rank whether any rank failed: each rank passes its own failure or <see langword="null"/>, and every
    /// rank gets back the same answer, carrying the lowest failing rank and its message. Call it before a collective
    /// that a failing rank would skip, so that no rank waits for ever.
    /// </summary>
    /// <param name="localFailure">This rank's failure, or <see langword="null"/> when it succeeded.</param>
    /// <returns><see langword="null"/> when no rank failed; otherwise the same error on every rank, to throw.</returns>
    DistributedLoadException? AgreeOnError(Exception? localFailure);

    /// <summary>
    /// Ends every rank of the job at once with <paramref name="errorCode"/>. For failures the other ranks cannot
    /// learn about through <see cref="AgreeOnError"/>.
    /// </summary>
    [DoesNotReturn]
    void Abort(int errorCode);
}
