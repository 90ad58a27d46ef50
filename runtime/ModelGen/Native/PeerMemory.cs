using System.Runtime.InteropServices;

namespace ModelGen.Native;

/// <summary>A range to copy from another process's memory into this one's: both sides have the same length.</summary>
/// <remarks>
/// A class, as <see cref="Sharding.ShardPiece"/> and <see cref="Sharding.PieceMove"/> are: the framework's precompiled
/// collection code serves lists of any class, while a list of a struct of this assembly is compiled in every fresh
/// process during its first load, beside the copies.
/// </remarks>
internal sealed record PeerRange(nint Local, nint Remote, long Length);

/// <summary>
/// Copies memory straight out of another process on the same machine (Linux cross-memory attach,
/// <c>process_vm_readv(2)</c>): one copy, done by the reader alone, while the owner goes on with other work. This is
/// the mechanism Open MPI's shared-memory transport uses for large messages; using it directly lets rank 0 read the
/// next batch of a checkpoint while the other ranks copy the previous one.
/// </summary>
internal static unsafe partial class PeerMemory
{
    // IOV_MAX on Linux: the most ranges one call takes.
    private const int MaxRangesPerCall = 1024;

    private const int EINTR = 4;
    private const int PR_SET_PTRACER = 0x59616d61;
    private const nint PR_SET_PTRACER_ANY = -1;

    /// <summary>
    /// Lets the other processes of this user read this process's memory where the Yama security module would only
    /// allow a parent to (Ubuntu's default <c>ptrace_scope=1</c>). Open MPI's shared-memory transport does the same.
    /// Without Yama the call has no effect, and its failure is ignored: the probe that follows tells.
    /// </summary>
    public static void AllowPeersToRead() => _ = prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);

    /// <summary>The bytes <paramref name="ranges"/> cover, for the counts; a loop, since Enumerable.Sum over a long is compiled in every fresh process.</summary>
    public static long TotalLength(IReadOnlyList<PeerRange> ranges)
    {
        long total = 0;
        foreach (PeerRange range in ranges) total += range.Length;
        return total;
    }

    /// <summary>Copies every range from process <paramref name="pid"/> into this process, in as few calls as the kernel allows.</summary>
    /// <exception cref="IOException">The kernel refused or cut the copy; the message carries its reason.</exception>
    public static void Read(int pid, IReadOnlyList<PeerRange> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        var local = stackalloc IoVec[MaxRangesPerCall];
        var remote = stackalloc IoVec[MaxRangesPerCall];
        int next = 0;
        long offset = 0; // bytes of ranges[next] already copied
        while (true)
        {
            while (next < ranges.Count && ranges[next].Length - offset == 0) { next++; offset = 0; }
            if (next == ranges.Count) return;

            int count = 0;
            long requested = 0;
            for (int i = next; i < ranges.Count && count < MaxRangesPerCall; i++)
            {
                long skip = i == next ? offset : 0;
                long length = ranges[i].Length - skip;
                if (length == 0) continue;
                local[count] = new IoVec(ranges[i].Local + (nint)skip, (nuint)length);
                remote[count] = new IoVec(ranges[i].Remote + (nint)skip, (nuint)length);
                requested += length;
                count++;
            }

            nint copied = process_vm_readv(pid, local, (nuint)count, remote, (nuint)count, 0);
            if (copied < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EINTR) continue;
                throw new IOException($"process_vm_readv from process {pid} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
            }
            if (copied == 0)
                throw new IOException($"process_vm_readv from process {pid} copied nothing of {requested} bytes: the memory is no longer mapped.");

            // A partial copy (the kernel caps one call near 2 GiB) ends somewhere inside the ranges: resume there.
            long left = copied;
            while (left > 0)
            {
                long rest = ranges[next].Length - offset;
                if (left < rest) { offset += left; left = 0; }
                else { left -= rest; next++; offset = 0; }
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly struct IoVec(nint start, nuint length)
    {
        public readonly nint Start = start;
        public readonly nuint Length = length;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint process_vm_readv(int pid, IoVec* localIov, nuint localCount, IoVec* remoteIov, nuint remoteCount, nuint flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int prctl(int option, nint arg2, nint arg3, nint arg4, nint arg5);
}
