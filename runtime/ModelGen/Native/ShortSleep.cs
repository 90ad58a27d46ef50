using System.Runtime.InteropServices;

namespace ModelGen.Native;

/// <summary>
/// Sleeps for tens of microseconds. <see cref="Thread.Sleep(int)"/> cannot sleep less than a millisecond, and a rank
/// that waits for a collective in 1 ms naps notices the others' arrival up to 1 ms late, once per round of the
/// collective: on a transfer with one agreement per batch that added several milliseconds per batch.
/// </summary>
internal static partial class ShortSleep
{
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    /// <summary>Sleeps about <paramref name="microseconds"/> (at least the kernel's timer slack, typically 50 µs).</summary>
    public static unsafe void For(int microseconds)
    {
        var duration = new TimeSpec { Seconds = 0, Nanoseconds = microseconds * 1000L };
        // An interrupted sleep simply ends early: the caller polls again either way.
        _ = nanosleep(&duration, null);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int nanosleep(TimeSpec* duration, TimeSpec* remaining);
}
