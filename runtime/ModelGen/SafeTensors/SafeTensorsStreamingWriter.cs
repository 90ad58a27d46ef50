using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace ModelGen.SafeTensors;

/// <summary>One tensor of a file whose header is written before any of its data exists: name, dtype and shape.</summary>
/// <param name="Name">The tensor's key.</param>
/// <param name="DType">Its element type in the file.</param>
/// <param name="Shape">Its shape.</param>
/// <param name="ByteLength">Element count times element size.</param>
internal sealed record SafeTensorsLayoutEntry(string Name, SafeTensorsDType DType, long[] Shape, long ByteLength);

/// <summary>
/// Writes one .safetensors file from a layout known up front: the header (offsets computed from shapes and dtypes,
/// padded to a multiple of 8) goes first, then the tensors' bytes are appended in layout order, piece by piece, from
/// wherever they arrive. <see cref="Complete"/> refuses a file whose data is short of what the header promises and
/// flushes it to disk, so a file that was completed is one the reference implementation accepts.
/// </summary>
internal sealed class SafeTensorsStreamingWriter : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly long _dataStart;
    private readonly long _end;
    private long _position;

    /// <summary>Creates (or truncates) <paramref name="path"/> and writes the header of <paramref name="entries"/>.</summary>
    public SafeTensorsStreamingWriter(string path, IReadOnlyList<SafeTensorsLayoutEntry> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        Path = path;
        byte[] header = BuildHeader(entries, metadata);
        _handle = File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Span<byte> prefix = stackalloc byte[SafeTensorsHeader.PrefixLength];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        RandomAccess.Write(_handle, prefix, 0);
        RandomAccess.Write(_handle, header, SafeTensorsHeader.PrefixLength);
        _dataStart = _position = SafeTensorsHeader.PrefixLength + header.Length;
        _end = checked(_dataStart + entries.Sum(e => e.ByteLength));
    }

    /// <summary>The file being written.</summary>
    public string Path { get; }

    /// <summary>Appends the next <paramref name="byteCount"/> bytes of tensor data from native memory (any length).</summary>
    public unsafe void Append(nint address, long byteCount)
    {
        if (byteCount > _end - _position)
            throw new InvalidOperationException($"{Path}: {byteCount} more bytes would run past the {_end - _dataStart} bytes of tensor data the header describes.");
        const long MaxSpan = 1L << 30;
        for (long done = 0; done < byteCount; done += MaxSpan)
        {
            int chunk = (int)Math.Min(MaxSpan, byteCount - done);
            RandomAccess.Write(_handle, new ReadOnlySpan<byte>((void*)(address + (nint)done), chunk), _position + done);
        }
        _position += byteCount;
    }

    /// <summary>Checks that every byte the header promises was written, flushes the file to disk and closes it.</summary>
    public void Complete()
    {
        if (_position != _end)
            throw new InvalidOperationException($"{Path}: {_position - _dataStart} of the {_end - _dataStart} bytes of tensor data the header describes were written.");
        RandomAccess.FlushToDisk(_handle);
        _handle.Dispose();
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();

    /// <summary>The header JSON in layout order, padded with spaces so that 8 + its length is a multiple of 8.</summary>
    internal static byte[] BuildHeader(IReadOnlyList<SafeTensorsLayoutEntry> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafeTensorsHeaderParser.MetadataKey);
                foreach ((string key, string value) in metadata)
                    json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (SafeTensorsLayoutEntry entry in entries)
            {
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", entry.DType.Name());
                json.WriteStartArray("shape");
                foreach (long dim in entry.Shape)
                    json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + entry.ByteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += entry.ByteLength;
            }
            json.WriteEndObject();
        }
        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        byte[] header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }
}
