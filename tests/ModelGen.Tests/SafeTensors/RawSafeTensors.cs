using System.Buffers.Binary;
using System.Text;

namespace ModelGen.Tests.SafeTensors;

/// <summary>Builds .safetensors bytes by hand, so that tests control every byte of a (possibly broken) file.</summary>
internal static class RawSafeTensors
{
    /// <summary>8-byte length prefix, the header JSON as given, then <paramref name="dataLength"/> data bytes (0, 1, 2, ...).</summary>
    public static byte[] Build(string headerJson, long dataLength, ulong? declaredHeaderLength = null) =>
        Build(Encoding.UTF8.GetBytes(headerJson), dataLength, declaredHeaderLength);

    public static byte[] Build(byte[] header, long dataLength, ulong? declaredHeaderLength = null)
    {
        byte[] bytes = new byte[8 + header.Length + dataLength];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredHeaderLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        for (long i = 0; i < dataLength; i++)
            bytes[8 + header.Length + i] = (byte)i;
        return bytes;
    }

    /// <summary>A JSON tensor entry.</summary>
    public static string Entry(string name, string dtype, string shape, ulong begin, ulong end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{shape}],\"data_offsets\":[{begin},{end}]}}";
}
