using System.Runtime.InteropServices;

namespace ModelGen.Benchmarks.Measurement;

/// <summary>
/// Drops the pages of a range of a private file mapping from this process (<c>madvise(MADV_DONTNEED)</c>): they leave
/// the RSS at once and are read back from the page cache if touched again. Only whole pages inside the range are
/// dropped, so bytes just outside it (another tensor's rows sharing a page) stay resident.
/// </summary>
internal static unsafe partial class PageRelease
{
    private const int MADV_DONTNEED = 4;
    private const int EINTR = 4;
    private const long PageBytes = 4096;

    public static void Release(nint address, long length)
    {
        long start = ((long)address + PageBytes - 1) & ~(PageBytes - 1);
        long end = ((long)address + length) & ~(PageBytes - 1);
        if (end <= start) return;
        while (madvise((nint)start, (nuint)(end - start), MADV_DONTNEED) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
                throw new IOException($"dropping the mapped pages at 0x{start:x} (+{end - start} bytes) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(nint address, nuint length, int advice);
}
