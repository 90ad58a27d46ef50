using System.Buffers.Binary;
using System.Text;

namespace ModelGen.Generator.Tests.Infrastructure;

/// <summary>Writes small safetensors files (or deliberately broken ones) for header-reading tests.</summary>
internal static class SafetensorsFile
{
    /// <summary>A valid file: tensors laid out back to back with zero bytes as data.</summary>
    public static void Write(string path, params (string Key, string Dtype, long[] Shape, int ElementSize)[] tensors)
    {
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        foreach (var (key, dtype, shape, size) in tensors)
        {
            long bytes = shape.Aggregate(1L, (a, b) => a * b) * size;
            header.Append($",\"{key}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{offset},{offset + bytes}]}}");
            offset += bytes;
        }
        header.Append('}');
        WriteRaw(path, header.ToString(), offset);
    }

    /// <summary>A file with the given header text (padded to 8 bytes) and <paramref name="dataBytes"/> zero bytes of data.</summary>
    public static void WriteRaw(string path, string headerJson, long dataBytes, ulong? declaredLength = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(headerJson);
        int padded = (json.Length + 7) / 8 * 8;
        using var stream = File.Create(path);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, declaredLength ?? (ulong)padded);
        stream.Write(prefix);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        stream.SetLength(stream.Length + dataBytes);
    }
}
