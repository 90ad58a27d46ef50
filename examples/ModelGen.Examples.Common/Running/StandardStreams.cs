using System.Runtime.InteropServices;
using System.Text;

namespace ModelGen.Examples.Running;

/// <summary>
/// Standard output and error written with plain <c>write(2)</c> calls. <see cref="Console"/> initializes the terminal
/// when output is a tty (mpirun gives ranks a pseudo-terminal) and emits control sequences into it, and a
/// <see cref="FileStream"/> over descriptor 1 writes at its own offset when output is a file; benchmark scripts
/// parse these lines, so neither will do.
/// </summary>
public static partial class StandardStreams
{
    /// <summary>Standard output (descriptor 1); every write goes out at once.</summary>
    public static TextWriter Out { get; } = Open(1);

    /// <summary>Standard error (descriptor 2); every write goes out at once.</summary>
    public static TextWriter Error { get; } = Open(2);

    private static TextWriter Open(int descriptor) =>
        TextWriter.Synchronized(new StreamWriter(new DescriptorStream(descriptor), new UTF8Encoding(false), bufferSize: 8192) { AutoFlush = true });

    /// <summary>An append-only stream over an inherited file descriptor (not owned, never closed).</summary>
    private sealed partial class DescriptorStream(int descriptor) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (!buffer.IsEmpty)
            {
                nint written = NativeWrite(descriptor, buffer, buffer.Length);
                if (written < 0)
                {
                    int error = Marshal.GetLastPInvokeError();
                    if (error == EINTR) continue;
                    throw new IOException($"write to descriptor {descriptor} failed (errno {error}).");
                }
                buffer = buffer[(int)written..];
            }
        }

        private const int EINTR = 4;

        [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
        private static partial nint NativeWrite(int fd, ReadOnlySpan<byte> buffer, nint count);
    }
}
