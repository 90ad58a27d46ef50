using System.Buffers.Binary;
using System.Text;
using ModelGen.Loading;
using ModelGen.SafeTensors;
using Xunit.Abstractions;

namespace ModelGen.Tests.SafeTensors;

/// <summary>
/// What a header with very many tensors costs to open and to share with the other ranks, in bytes allocated per
/// tensor (exact and repeatable, unlike resident memory). The bounds sit well under what the first versions cost
/// (about 1,100 bytes per tensor to open, as much again for the catalog, 136 bytes of message per tensor).
/// </summary>
public sealed class LargeHeaderMemoryTests(ITestOutputHelper output) : IDisposable
{
    private const int Tensors = 200_000;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Writes a file of <paramref name="count"/> one-byte U8 tensors straight to disk, the header streamed.</summary>
    internal static string WriteManyTensors(string path, int count)
    {
        long headerLength = 2 + (count - 1);
        for (int i = 0; i < count; i++)
            headerLength += Encoding.ASCII.GetByteCount(EntryText(i));
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)headerLength);
        file.Write(prefix);
        file.WriteByte((byte)'{');
        for (int i = 0; i < count; i++)
        {
            if (i > 0) file.WriteByte((byte)',');
            file.Write(Encoding.ASCII.GetBytes(EntryText(i)));
        }
        file.WriteByte((byte)'}');
        file.Write(new byte[count]);
        return path;
    }

    private static string EntryText(int i) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"\"w{i}\":{{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[{i},{i + 1}]}}");

    [Fact]
    public void OpeningAndSharingAHugeHeaderStaysWithinItsPerTensorBudget()
    {
        string path = WriteManyTensors(_folder.File("many.safetensors"), Tensors);

        long start = GC.GetAllocatedBytesForCurrentThread();
        using var checkpoint = SafeTensorsCheckpoint.Open(path);
        long opened = GC.GetAllocatedBytesForCurrentThread();
        byte[] message = CheckpointCatalog.From(path, checkpoint.Entries).Serialize();
        long serialized = GC.GetAllocatedBytesForCurrentThread();
        CheckpointCatalog received = CheckpointCatalog.Deserialize(message);
        long deserialized = GC.GetAllocatedBytesForCurrentThread();

        double open = (opened - start) / (double)Tensors, share = (serialized - opened) / (double)Tensors;
        double receive = (deserialized - serialized) / (double)Tensors, perMessage = message.Length / (double)Tensors;
        output.WriteLine($"per tensor: open {open:F0} B, catalog {share:F0} B, message {perMessage:F1} B, receive {receive:F0} B");
        Assert.Equal(Tensors, checkpoint.Entries.Count);
        Assert.Equal(Tensors, received.Entries.Count);
        Assert.True(open < 700, $"opening allocated {open:F0} bytes per tensor");
        Assert.True(share < 250, $"building and encoding the catalog allocated {share:F0} bytes per tensor");
        Assert.True(perMessage < 24, $"the catalog message is {perMessage:F1} bytes per tensor");
        Assert.True(receive < 200, $"decoding the catalog allocated {receive:F0} bytes per tensor");
    }
}
