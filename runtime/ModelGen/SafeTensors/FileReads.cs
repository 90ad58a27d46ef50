using Microsoft.Win32.SafeHandles;

namespace ModelGen.SafeTensors;

/// <summary>Positional reads that either fill the whole span or report that the file got shorter.</summary>
internal static class FileReads
{
    public static void ReadExactly(SafeFileHandle handle, Span<byte> destination, long fileOffset, string filePath, string? key)
    {
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(handle, destination, fileOffset);
            if (read == 0)
                throw new SafeTensorsFormatException(SafeTensorsRule.UnexpectedEndOfFile, filePath, key, $"the file ended at {fileOffset}, before bytes it promised: it changed after it was opened.");
            destination = destination[read..];
            fileOffset += read;
        }
    }

    /// <summary>Reads <paramref name="length"/> bytes into native memory, in spans of at most 1 GiB (a span's length is an int).</summary>
    public static unsafe void ReadExactly(SafeFileHandle handle, nint destination, long length, long fileOffset, string filePath, string? key)
    {
        const long MaxSpan = 1L << 30;
        long done = 0;
        while (done < length)
        {
            int chunk = (int)Math.Min(MaxSpan, length - done);
            ReadExactly(handle, new Span<byte>((void*)(destination + (nint)done), chunk), fileOffset + done, filePath, key);
            done += chunk;
        }
    }
}
