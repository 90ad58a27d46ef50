using ModelGen.SafeTensors;
using TorchSharp;

namespace ModelGen.Tests.SafeTensors;

public class SafeTensorsRoundTripTests
{
    public static TheoryData<torch.ScalarType> TorchTypes => new()
    {
        torch.ScalarType.Bool, torch.ScalarType.Byte, torch.ScalarType.Int8, torch.ScalarType.Int16,
        torch.ScalarType.Int32, torch.ScalarType.Int64, torch.ScalarType.Float16, torch.ScalarType.BFloat16,
        torch.ScalarType.Float32, torch.ScalarType.Float64, torch.ScalarType.ComplexFloat32,
    };

    internal static torch.Tensor Sample(torch.ScalarType type, long[] shape, int seed)
    {
        using var generator = new torch.Generator((ulong)seed);
        using torch.Tensor values = torch.randn(shape, dtype: torch.float64, generator: generator) * 100;
        return type switch
        {
            torch.ScalarType.Bool => values.gt(0),
            torch.ScalarType.ComplexFloat32 => torch.complex(values.to(torch.float32), (values * 3).to(torch.float32)),
            _ => values.to(type),
        };
    }

    [Theory]
    [MemberData(nameof(TorchTypes))]
    public void EveryTorchTypeRoundTripsBitForBit(torch.ScalarType type)
    {
        using var folder = new TempFolder();
        long[][] shapes = [[2, 3], [7], [], [0], [3, 0], [2, 1, 5]];
        var tensors = shapes.Select((s, i) => new KeyValuePair<string, torch.Tensor>($"t{i}", Sample(type, s, i))).ToList();
        string path = folder.File("all.safetensors");

        SafeTensorsWriter.Write(path, tensors);

        using var file = SafeTensorsFile.Open(path);
        Assert.True(SafeTensorsDTypes.TryFromScalarType(type, out SafeTensorsDType dtype));
        Assert.Equal(tensors.Select(t => t.Key), file.Entries.Select(e => e.Name));
        foreach ((string key, torch.Tensor expected) in tensors)
        {
            SafeTensorsEntry entry = file.GetEntry(key);
            Assert.Equal(dtype, entry.DType);
            Assert.Equal(expected.shape, entry.Shape);
            using torch.Tensor actual = torch.empty(expected.shape, dtype: type);
            file.ReadInto(entry, actual);
            Assert.Equal(expected.bytes.ToArray(), actual.bytes.ToArray());
        }
    }

    [Fact]
    public void ScalarAndZeroSizedTensorsKeepTheirShapes()
    {
        using var folder = new TempFolder();
        string path = folder.File("shapes.safetensors");
        using torch.Tensor scalar = torch.tensor(3.5f);
        using torch.Tensor empty = torch.empty([0], dtype: torch.float32);
        using torch.Tensor empty2 = torch.empty([3, 0], dtype: torch.int64);
        SafeTensorsWriter.Write(path, [new("scalar", scalar), new("empty", empty), new("empty2", empty2)]);

        using var file = SafeTensorsFile.Open(path);
        Assert.Empty(file.GetEntry("scalar").Shape);
        Assert.Equal(1, file.GetEntry("scalar").ElementCount);
        Assert.Equal([0L], file.GetEntry("empty").Shape);
        Assert.Equal([3L, 0L], file.GetEntry("empty2").Shape);
        Assert.Equal(0, file.GetEntry("empty2").ByteLength);
        using torch.Tensor read = file.Read("scalar");
        Assert.Equal(3.5f, read.item<float>());
        using torch.Tensor readEmpty = file.Read("empty2");
        Assert.Equal([3L, 0L], readEmpty.shape);
    }

    [Fact]
    public void WriterPadsTheHeaderToEightBytesKeepsGivenOrderAndMetadata()
    {
        using var folder = new TempFolder();
        string path = folder.File("order.safetensors");
        using torch.Tensor a = torch.ones(3, dtype: torch.int16);
        using torch.Tensor b = torch.ones(5, dtype: torch.float64);
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode" };
        SafeTensorsWriter.Write(path, [new("z.last.written.first", a), new("a.second", b)], metadata);

        byte[] bytes = File.ReadAllBytes(path);
        long headerLength = BitConverter.ToInt64(bytes, 0);
        Assert.Equal(0, headerLength % 8);
        int lastBrace = Array.LastIndexOf(bytes, (byte)'}', (int)(8 + headerLength - 1));
        Assert.True(lastBrace > 8 + headerLength - 9, "padding is shorter than 8 bytes");
        Assert.All(bytes[(lastBrace + 1)..(int)(8 + headerLength)], b => Assert.Equal((byte)' ', b));

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(["z.last.written.first", "a.second"], file.Entries.Select(e => e.Name));
        Assert.Equal(0, file.Entries[0].DataBegin);
        Assert.Equal(metadata, file.Metadata);
        Assert.Equal(6 + 40, file.Header.TotalTensorBytes);
        Assert.Equal(bytes.Length, file.Header.FileLength);
    }

    [Fact]
    public void NonContiguousSourcesAreWrittenInLogicalOrder()
    {
        using var folder = new TempFolder();
        string path = folder.File("t.safetensors");
        using torch.Tensor source = torch.arange(6, dtype: torch.float32).reshape(2, 3);
        using torch.Tensor transposed = source.t();
        SafeTensorsWriter.Write(path, [new("t", transposed)]);

        using var file = SafeTensorsFile.Open(path);
        using torch.Tensor read = file.Read("t");
        Assert.True(read.eq(transposed).all().item<bool>());
    }

    [Fact]
    public void WriterRefusesWhatTheFormatCannotHold()
    {
        using var folder = new TempFolder();
        string path = folder.File("bad.safetensors");
        using torch.Tensor ok = torch.ones(1);
        using torch.Tensor complex128 = torch.ones(1, dtype: torch.complex128);
        using torch.Tensor meta = torch.empty(4, device: torch.META);
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(path, [new("a", ok), new("a", ok)]));
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(path, [new("__metadata__", ok)]));
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(path, [new("c", complex128)]));
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(path, [new("m", meta)]));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void ReferenceDocumentationExampleIsAccepted()
    {
        // The example file from the reference implementation's documentation: one I32 [2, 2] tensor of zeros.
        using var folder = new TempFolder();
        byte[] header = "{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}"u8.ToArray();
        byte[] bytes = new byte[8 + header.Length + 16];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)header.Length);
        header.CopyTo(bytes, 8);
        string path = folder.Write("doc.safetensors", bytes);

        using var file = SafeTensorsFile.Open(path);
        using torch.Tensor t = file.Read("test");
        Assert.Equal([2L, 2L], t.shape);
        Assert.Equal(torch.int32, t.dtype);
        Assert.Equal(0, t.abs().sum().item<long>());
    }
}
