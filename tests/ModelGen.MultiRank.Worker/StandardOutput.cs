using System.Runtime.InteropServices;
using System.Text;

namespace ModelGen.MultiRank.Worker;

/// <summary>
/// Writes each report line with one write(2) on file descriptor 1. Under mpirun, standard output is a terminal
/// that mpirun reads and merges with the other ranks': a line written in several pieces can be cut by another
/// rank's line, and .NET's Console adds terminal control sequences.
/// </summary>
internal static partial class StandardOutput
{
    public static void WriteLine(string line)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(line + "\n");
        int done = 0;
        while (done < bytes.Length)
        {
            nint written;
            unsafe
            {
                fixed (byte* start = &bytes[done]) written = write(1, start, bytes.Length - done);
            }
            if (written <= 0)
            {
                if (Marshal.GetLastPInvokeError() == 4) continue; // EINTR
                throw new IOException($"write to standard output failed (errno {Marshal.GetLastPInvokeError()})");
            }
            done += (int)written;
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint write(int fd, byte* buffer, nint count);
}
