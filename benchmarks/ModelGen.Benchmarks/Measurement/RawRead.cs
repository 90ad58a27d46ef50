using Microsoft.Win32.SafeHandles;

namespace ModelGen.Benchmarks.Measurement;

/// <summary>
/// The floor: positional reads of a byte range into native memory, split between two threads for large ranges,
/// with no format, no tensor and no validation logic.
/// </summary>
internal static unsafe class RawRead
{
    private const long ParallelThreshold = 16L << 20;
    private const long Page = 4096;

    public static void Into(SafeFileHandle file, long fileOffset, byte* destination, long length)
    {
        int parts = length >= ParallelThreshold ? 2 : 1;
        long partLength = (length / parts + Page - 1) / Page * Page;
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
        {
            long start = part * partLength;
            long end = Math.Min(length, start + partLength);
            for (long done = start; done < end;)
            {
                int chunk = (int)Math.Min(end - done, 1L << 30);
                int read = RandomAccess.Read(file, new Span<byte>(destination + done, chunk), fileOffset + done);
                if (read <= 0) throw new EndOfStreamException($"unexpected end of file at {fileOffset + done}");
                done += read;
            }
        });
    }
}
