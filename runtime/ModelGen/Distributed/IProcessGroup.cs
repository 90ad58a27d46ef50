using System.Diagnostics.CodeAnalysis;
using TorchSharp;

namespace ModelGen.Distributed;

/// <summary>
/// The ranks of one job and the collectives loading and training need. Every collective must be called by every rank, in
/// the same order, with the same root and the same byte counts; a rank that skips one leaves the others waiting.
/// Use <see cref="AgreeOnError"/> before any collective that a failure on one rank could make a rank skip.
/// Issue a group's collectives from one thread at a time (any thread, for example a background thread that
/// broadcasts while another reads): concurrent collectives on one group have no order the ranks could agree on.
/// No collective waits for ever: see <see cref="Timeout"/>.
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
    /// How long one collective may wait for the other ranks, from the moment this rank calls it;
    /// <see cref="ProcessGroupTimeout.Default"/> (10 minutes) unless set; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>
    /// waits for ever. When it passes, every live rank throws <see cref="DistributedTimeoutException"/> naming the
    /// ranks that did not respond, and the group cannot be used any more. Set it alike on every rank.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to zero or a negative value other than infinite.</exception>
    TimeSpan Timeout { get; set; }

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

    /// <summary>
    /// Gathers every rank's <paramref name="input"/> into <paramref name="output"/> on every rank, rank-major: output
    /// holds <see cref="Size"/> equal blocks of input's element count, and block r is rank r's input. Any dtype (the
    /// elements move as bytes); input and output may be non-contiguous (they then go through a contiguous copy); sizes
    /// past 2 GiB are allowed.
    /// </summary>
    /// <param name="input">This rank's block: a CPU tensor of the same element count and dtype on every rank.</param>
    /// <param name="output">A CPU tensor of input's dtype with <see cref="Size"/> times input's element count; its shape is free.</param>
    /// <exception cref="ArgumentException">A tensor is on the meta device or not on the CPU, the dtypes differ, or output's element count is not Size x input's.</exception>
    void AllGather(torch.Tensor input, torch.Tensor output);

    /// <summary>
    /// Reduces <paramref name="tensor"/> over the ranks, in place, on every rank. Float32 and Float64 are reduced by
    /// MPI itself; BFloat16 and Float16 are converted to Float32, reduced in Float32 and converted back (MPI has no
    /// 16-bit float types), so their sums are rounded once, at the end. <see cref="ReduceOp.Average"/> is the sum
    /// divided by <see cref="Size"/> (in Float32 for the 16-bit types). Non-contiguous tensors go through a
    /// contiguous copy; sizes past 2 GiB are allowed.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor is on the meta device or not on the CPU, or its dtype is not one of the four above.</exception>
    void AllReduce(torch.Tensor tensor, ReduceOp op = ReduceOp.Sum);

    /// <summary>
    /// Reduces over the ranks and scatters the result: <paramref name="input"/> holds <see cref="Size"/> equal blocks
    /// of output's element count, and rank r receives into <paramref name="output"/> the reduction of every rank's
    /// block r. Same dtypes, conversion and average as <see cref="AllReduce"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A tensor is on the meta device or not on the CPU, the dtypes differ or cannot be reduced, or input's element count is not Size x output's.</exception>
    void ReduceScatter(torch.Tensor input, torch.Tensor output, ReduceOp op = ReduceOp.Sum);

    /// <summary>
    /// Raw bytes from the root to every rank, like <see cref="BroadcastNative"/>: on <paramref name="root"/>, the
    /// <paramref name="byteCounts"/>[r] bytes at <paramref name="sendAddress"/> + <paramref name="byteOffsets"/>[r] go
    /// to rank r's <paramref name="receiveAddress"/>; the root's own part is copied locally. The counts and offsets are
    /// read on the root only (other ranks pass empty spans); before any data moves, every rank learns its count from
    /// the root and checks it against <paramref name="receiveBytes"/>, so a mismatch is an
    /// <see cref="ArgumentException"/> on every rank rather than a hang. Parts past 2 GiB are allowed.
    /// </summary>
    /// <exception cref="ArgumentException">The root's spans do not hold one non-negative entry per rank, or some rank's receiveBytes differs from the root's byteCounts for it (on every rank).</exception>
    void ScatterNative(nint sendAddress, ReadOnlySpan<long> byteCounts, ReadOnlySpan<long> byteOffsets, nint receiveAddress, long receiveBytes, int root = 0);

    /// <summary>
    /// The inverse of <see cref="ScatterNative"/>: every rank's <paramref name="sendBytes"/> bytes at
    /// <paramref name="sendAddress"/> land on <paramref name="root"/> at <paramref name="receiveAddress"/> +
    /// <paramref name="byteOffsets"/>[r]. The counts and offsets are read on the root only and checked against each
    /// rank's sendBytes on every rank before any data moves. Parts past 2 GiB are allowed.
    /// </summary>
    /// <exception cref="ArgumentException">The root's spans do not hold one non-negative entry per rank, or some rank's sendBytes differs from the root's byteCounts for it (on every rank).</exception>
    void GatherNative(nint sendAddress, long sendBytes, nint receiveAddress, ReadOnlySpan<long> byteCounts, ReadOnlySpan<long> byteOffsets, int root = 0);

    /// <summary>The largest of the values the ranks pass, on every rank.</summary>
    long AllReduceMax(long value);

    /// <summary>
    /// Replaces each element of <paramref name="values"/> with its largest value across the ranks, in one collective
    /// (every rank passes the same length). A rank can so agree on a failure vote and learn numbers only rank 0 knows
    /// (the others pass 0) in one round instead of two.
    /// </summary>
    void AllReduceMax(Span<long> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = AllReduceMax(values[i]);
    }

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
