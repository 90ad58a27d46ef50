using System.Runtime.InteropServices;

namespace ModelGen.Native;

/// <summary>
/// Makes a range of a file mapping resident before it is handed out as loaded: a mapped tensor whose pages were
/// never read would move the disk reads (and any I/O error) into the first forward pass.
/// </summary>
internal static unsafe partial class PageResidency
{
    private const int MADV_DONTNEED = 4;
    private const int MADV_POPULATE_READ = 22; // Linux 5.14+
    private const int EINVAL = 22;
    private const int EINTR = 4;
    private const long PageBytes = 4096;

    /// <summary>Faults every page of [<paramref name="address"/>, + <paramref name="length"/>) in, reading from the file where needed.</summary>
    /// <exception cref="IOException">The pages could not be read (for example an I/O error or a file cut short).</exception>
    public static void Populate(nint address, long length)
    {
        if (length <= 0) return;
        long start = (long)address & ~(PageBytes - 1);
        long end = (long)address + length;
        while (true)
        {
            if (madvise((nint)start, (nuint)(end - start), MADV_POPULATE_READ) == 0) return;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR) continue;
            if (errno == EINVAL) break; // an older kernel: touch the pages instead
            throw new IOException($"reading the mapped pages failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
        }
        for (long page = start; page < end; page += PageBytes)
            _ = Volatile.Read(ref *(byte*)(page < (long)address ? address : (nint)page));
    }

    /// <summary>
    /// Drops this process's pages of a private file mapping that lie wholly inside [<paramref name="address"/>,
    /// + <paramref name="length"/>): the resident memory goes back, the page cache keeps the data, and a later read
    /// faults the file's bytes in again. Pages shared with bytes outside the range stay. Only for ranges never written.
    /// </summary>
    public static void Release(nint address, long length)
    {
        long start = ((long)address + PageBytes - 1) & ~(PageBytes - 1);
        long end = ((long)address + length) & ~(PageBytes - 1);
        if (end <= start) return;
        // Advice only: a refusal leaves the pages resident, which costs memory, never correctness.
        _ = madvise((nint)start, (nuint)(end - start), MADV_DONTNEED);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(nint address, nuint length, int advice);
}
