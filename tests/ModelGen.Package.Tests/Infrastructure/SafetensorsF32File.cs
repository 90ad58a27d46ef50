using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ModelGen.Package.Tests.Infrastructure;

/// <summary>Writes a small float32 safetensors file with chosen values, independently of the library under test.</summary>
internal static class SafetensorsF32File
{
    /// <summary>Writes the tensors back to back in the given order, header padded with spaces to a multiple of 8.</summary>
    public static void Write(string path, params (string Key, long[] Shape, float[] Values)[] tensors)
    {
        var header = new StringBuilder("{");
        long offset = 0;
        foreach (var (key, shape, values) in tensors)
        {
            if (shape.Aggregate(1L, (a, b) => a * b) != values.Length)
                throw new ArgumentException($"'{key}' has {values.Length} values for shape [{string.Join(",", shape)}]");
            long end = offset + values.Length * sizeof(float);
            if (header.Length > 1) header.Append(',');
            header.Append(CultureInfo.InvariantCulture,
                $"\"{key}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{offset},{end}]}}");
            offset = end;
        }
        header.Append('}');
        while (header.Length % 8 != 0) header.Append(' ');

        byte[] json = Encoding.UTF8.GetBytes(header.ToString());
        using FileStream stream = File.Create(path);
        Span<byte> scratch = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(scratch, (ulong)json.Length);
        stream.Write(scratch);
        stream.Write(json);
        foreach (var (_, _, values) in tensors)
        {
            foreach (float value in values)
            {
                BinaryPrimitives.WriteSingleLittleEndian(scratch, value);
                stream.Write(scratch[..sizeof(float)]);
            }
        }
    }
}
