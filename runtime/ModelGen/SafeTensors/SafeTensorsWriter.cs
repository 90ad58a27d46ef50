using ModelGen.Native;
using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using TorchSharp;

namespace ModelGen.SafeTensors;

/// <summary>
/// Writes .safetensors files that the reference implementation accepts. Tensors are stored in the order given
/// (that order is also their order in the file), the header is padded with spaces to a multiple of 8 so the
/// data buffer is 8-byte aligned, and each tensor's bytes are written straight from its memory.
/// </summary>
public static class SafeTensorsWriter
{
    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/>, replacing any existing file only once the new
    /// one is complete. Tensors must have a dtype the format can hold; non-contiguous or non-CPU tensors are
    /// made contiguous on the CPU one at a time (meta tensors have no data and are refused).
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <param name="tensors">Key and tensor pairs, in the order they are to be stored.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> map.</param>
    public static void Write(string path, IEnumerable<KeyValuePair<string, torch.Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        WriteFile(path, Prepare(tensors), metadata);
    }

    /// <summary>The bytes <paramref name="tensor"/> occupies in a file: element count times element size.</summary>
    public static long ByteLength(torch.Tensor tensor) => TensorMemory.ByteLength(tensor);

    internal static List<PreparedTensor> Prepare(IEnumerable<KeyValuePair<string, torch.Tensor>> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var prepared = new List<PreparedTensor>();
        foreach ((string name, torch.Tensor tensor) in tensors)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(tensors));
            ArgumentNullException.ThrowIfNull(tensor, nameof(tensors));
            if (name == SafeTensorsHeaderParser.MetadataKey)
                throw new ArgumentException($"'{name}' is reserved for the header's metadata and cannot name a tensor.", nameof(tensors));
            if (!names.Add(name))
                throw new ArgumentException($"Tensor key '{name}' is given twice.", nameof(tensors));
            if (!SafeTensorsDTypes.TryFromScalarType(tensor.dtype, out SafeTensorsDType dtype))
                throw new ArgumentException($"Tensor '{name}' has element type {tensor.dtype}, which safetensors cannot store.", nameof(tensors));
            if (tensor.is_meta)
                throw new ArgumentException($"Tensor '{name}' is on the meta device and has no data to write.", nameof(tensors));
            prepared.Add(new PreparedTensor(name, tensor, dtype, tensor.shape, ByteLength(tensor)));
        }
        return prepared;
    }

    internal static void WriteFile(string path, IReadOnlyList<PreparedTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        byte[] header = BuildHeader(tensors, metadata);
        long dataStart = SafeTensorsHeader.PrefixLength + header.Length;
        string fullPath = Path.GetFullPath(path);
        string partialPath = fullPath + ".partial";
        try
        {
            using (SafeFileHandle handle = File.OpenHandle(partialPath, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                Span<byte> prefix = stackalloc byte[SafeTensorsHeader.PrefixLength];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
                RandomAccess.Write(handle, prefix, 0);
                RandomAccess.Write(handle, header, SafeTensorsHeader.PrefixLength);
                long offset = dataStart;
                foreach (PreparedTensor tensor in tensors)
                {
                    WriteTensorData(handle, tensor, offset);
                    offset += tensor.ByteLength;
                }
            }
            File.Move(partialPath, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(partialPath);
            throw;
        }
    }

    private static unsafe void WriteTensorData(SafeFileHandle handle, PreparedTensor prepared, long fileOffset)
    {
        if (prepared.ByteLength == 0)
            return;
        torch.Tensor source = prepared.Tensor;
        bool direct = source.device_type == DeviceType.CPU && source.is_contiguous();
        // Only a tensor that is not already contiguous CPU memory gets a (native) copy, and only while it is written.
        torch.Tensor readable = direct ? source : source.to(torch.CPU).contiguous();
        try
        {
            nint pointer = TensorMemory.DataPointer(readable);
            const long MaxSpan = 1L << 30;
            for (long done = 0; done < prepared.ByteLength; done += MaxSpan)
            {
                int chunk = (int)Math.Min(MaxSpan, prepared.ByteLength - done);
                RandomAccess.Write(handle, new ReadOnlySpan<byte>((void*)(pointer + (nint)done), chunk), fileOffset + done);
            }
        }
        finally
        {
            if (!direct)
                readable.Dispose();
        }
    }

    /// <summary>The header JSON, padded with spaces so that 8 + its length is a multiple of 8.</summary>
    internal static byte[] BuildHeader(IReadOnlyList<PreparedTensor> tensors, IReadOnlyDictionary<string, string>? metadata) =>
        SafeTensorsStreamingWriter.BuildHeader(tensors.Select(t => new SafeTensorsLayoutEntry(t.Name, t.DType, t.Shape, t.ByteLength)).ToArray(), metadata);
}

/// <summary>A tensor checked for writing, with its dtype, shape and byte length.</summary>
internal sealed record PreparedTensor(string Name, torch.Tensor Tensor, SafeTensorsDType DType, long[] Shape, long ByteLength);
