using System.Runtime.InteropServices;

namespace ModelGen.Native;

/// <summary>
/// Makes a range of a file mapping resident before it is handed out as loaded: a mapped tensor whose pages were
/// never read would move the disk reads (and any I/O error) into the first forward pass.
/// </summary>
internal static unsafe partial class PageResidency
{
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

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(nint address, nuint length, int advice);
}
