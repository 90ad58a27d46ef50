using ModelGen.SafeTensors;
using TorchSharp;
using static ModelGen.Tests.SafeTensors.RawSafeTensors;

namespace ModelGen.Tests.SafeTensors;

public class SafeTensorsReadTests
{
    private static string WriteOne(TempFolder folder, torch.Tensor tensor, string key = "w")
    {
        string path = folder.File("one.safetensors");
        SafeTensorsWriter.Write(path, [new(key, tensor)]);
        return path;
    }

    private static SafeTensorsReadException ReadFails(SafeTensorsFile file, string key, torch.Tensor destination, SafeTensorsRule rule)
    {
        var e = Assert.Throws<SafeTensorsReadException>(() => file.ReadInto(key, destination));
        Assert.Equal(rule, e.Rule);
        Assert.Equal(key, e.Key);
        Assert.Equal(file.FilePath, e.FilePath);
        Assert.Contains(file.FilePath, e.Message);
        Assert.Contains($"'{key}'", e.Message);
        Assert.Contains(rule.ToString(), e.Message);
        return e;
    }

    [Fact]
    public void DestinationOfAnotherShapeIsRefusedNamingBothShapes()
    {
        using var folder = new TempFolder();
        using torch.Tensor source = torch.ones(2, 3);
        using var file = SafeTensorsFile.Open(WriteOne(folder, source));
        using torch.Tensor sameCount = torch.empty(3, 2);
        var e = ReadFails(file, "w", sameCount, SafeTensorsRule.DestinationShapeMismatch);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[3, 2]", e.Message);
        using torch.Tensor scalar = torch.empty([]);
        ReadFails(file, "w", scalar, SafeTensorsRule.DestinationShapeMismatch);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ContiguousSliceOfALargerTensorReceivesExactlyItsOwnElements(bool converting)
    {
        using var folder = new TempFolder();
        using torch.Tensor source = torch.arange(1, 9, dtype: torch.float32).reshape(2, 4);
        using torch.Tensor stored = converting ? source.to(torch.bfloat16) : source.alias();
        using var file = SafeTensorsFile.Open(WriteOne(folder, stored));
        using torch.Tensor backing = torch.zeros(10, 4);
        using torch.Tensor rows = backing.narrow(0, 3, 2);
        Assert.True(rows.is_contiguous());

        file.ReadInto("w", rows);

        using torch.Tensor before = backing.narrow(0, 0, 3);
        using torch.Tensor after = backing.narrow(0, 5, 5);
        Assert.Equal(0f, before.abs().sum().item<float>());
        Assert.Equal(0f, after.abs().sum().item<float>());
        TensorAssert.SameValues(source, rows);
    }

    [Fact]
    public void NonContiguousDestinationIsRefused()
    {
        using var folder = new TempFolder();
        using torch.Tensor source = torch.ones(2, 3);
        using var file = SafeTensorsFile.Open(WriteOne(folder, source));
        using torch.Tensor backing = torch.empty(3, 2);
        using torch.Tensor transposed = backing.t();
        ReadFails(file, "w", transposed, SafeTensorsRule.DestinationNotContiguous);
    }

    [Fact]
    public void MetaDestinationIsRefused()
    {
        using var folder = new TempFolder();
        using torch.Tensor source = torch.ones(2, 3);
        using var file = SafeTensorsFile.Open(WriteOne(folder, source));
        using torch.Tensor meta = torch.empty([2, 3], device: torch.META);
        ReadFails(file, "w", meta, SafeTensorsRule.DestinationNotOnCpu);
    }

    [Fact]
    public void QuantizedDestinationIsRefused()
    {
        using var folder = new TempFolder();
        using torch.Tensor source = torch.ones(4);
        using var file = SafeTensorsFile.Open(WriteOne(folder, source));
        using torch.Tensor zeros = torch.zeros(4);
        using torch.Tensor quantized = torch.quantize_per_tensor(zeros, 0.1, 0, torch.ScalarType.QInt8);
        ReadFails(file, "w", quantized, SafeTensorsRule.UnsupportedDType);
    }

    [Fact]
    public void UnknownKeyIsATypedError()
    {
        using var folder = new TempFolder();
        using torch.Tensor source = torch.ones(1);
        using var file = SafeTensorsFile.Open(WriteOne(folder, source));
        using torch.Tensor destination = torch.empty(1);
        ReadFails(file, "nope", destination, SafeTensorsRule.UnknownKey);
        var e = Assert.Throws<SafeTensorsReadException>(() => file.GetEntry("nope"));
        Assert.Equal(SafeTensorsRule.UnknownKey, e.Rule);
    }

    [Theory]
    [InlineData("U16", "4", 8)]
    [InlineData("U32", "4", 16)]
    [InlineData("U64", "4", 32)]
    [InlineData("F8_E4M3", "4", 4)]
    [InlineData("F8_E5M2", "4", 4)]
    [InlineData("F8_E8M0", "4", 4)]
    [InlineData("F8_E4M3FNUZ", "4", 4)]
    [InlineData("F8_E5M2FNUZ", "4", 4)]
    [InlineData("F4", "2,4", 4)]
    [InlineData("F6_E2M3", "2,4", 6)]
    [InlineData("F6_E3M2", "8", 6)]
    public void DTypesTorchSharpCannotHoldAreListedButNotReadIntoTensors(string dtype, string shape, int length)
    {
        using var folder = new TempFolder();
        string path = folder.Write("x.safetensors", Build("{" + Entry("q", dtype, shape, 0, (ulong)length) + "}", length));
        using var file = SafeTensorsFile.Open(path);
        SafeTensorsEntry entry = file.GetEntry("q");
        Assert.False(entry.IsReadableAsTensor);

        using torch.Tensor bytes = torch.empty(length, dtype: torch.uint8);
        var e = ReadFails(file, "q", bytes, SafeTensorsRule.UnsupportedDType);
        Assert.Contains(dtype, e.Message);
        Assert.Throws<SafeTensorsReadException>(() => file.Read("q"));

        // The raw bytes stay reachable.
        byte[] raw = new byte[length];
        file.ReadBytes(entry, 0, raw);
        Assert.Equal(Enumerable.Range(0, length).Select(i => (byte)i), raw);
        Assert.Throws<ArgumentOutOfRangeException>(() => file.ReadBytes(entry, 1, raw));
    }

    public static TheoryData<torch.ScalarType, torch.ScalarType> Conversions => new()
    {
        { torch.ScalarType.BFloat16, torch.ScalarType.Float32 },
        { torch.ScalarType.Float16, torch.ScalarType.Float32 },
        { torch.ScalarType.Float32, torch.ScalarType.BFloat16 },
        { torch.ScalarType.Float32, torch.ScalarType.Float16 },
        { torch.ScalarType.Float64, torch.ScalarType.Float32 },
        { torch.ScalarType.Int64, torch.ScalarType.Float64 },
        { torch.ScalarType.Float32, torch.ScalarType.Int32 },
        { torch.ScalarType.Float32, torch.ScalarType.Bool },
    };

    [Theory]
    [MemberData(nameof(Conversions))]
    public void ConvertingReadsMatchTorchsOwnConversionAcrossManyChunks(torch.ScalarType stored, torch.ScalarType wanted)
    {
        using var folder = new TempFolder();
        using torch.Tensor source = SafeTensorsRoundTripTests.Sample(stored, [37, 101], seed: 7);
        string path = WriteOne(folder, source);
        // A 1000-byte staging buffer splits the 3737 elements into many uneven chunks.
        var options = new SafeTensorsReadOptions { ConversionChunkBytes = 1000 };
        using var file = SafeTensorsFile.Open(path, options);
        using torch.Tensor destination = torch.empty([37, 101], dtype: wanted);

        file.ReadInto("w", destination);

        using torch.Tensor expected = source.to(wanted);
        Assert.Equal(expected.bytes.ToArray(), destination.bytes.ToArray());
    }

    [Fact]
    public void ConvertingReadIntoAParameterNeedsNoGradientBookkeeping()
    {
        using var folder = new TempFolder();
        using torch.Tensor source = torch.arange(10, dtype: torch.bfloat16);
        using var file = SafeTensorsFile.Open(WriteOne(folder, source));
        using var parameter = new TorchSharp.Modules.Parameter(torch.empty(10, dtype: torch.float32));
        file.ReadInto("w", parameter);
        Assert.Equal(45f, parameter.sum().item<float>());
        Assert.True(parameter.requires_grad);
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(2, 4096)]
    [InlineData(3, 1000)]
    [InlineData(1, 1)]
    public void ParallelReadsCoverEveryByteExactlyOnce(int parallelReads, long threshold)
    {
        using var folder = new TempFolder();
        // An odd length (not a multiple of the page) makes the last part short.
        using torch.Tensor source = torch.randint(0, 255, [3 * 4096 * 7 + 13], dtype: torch.uint8);
        var options = new SafeTensorsReadOptions { ParallelReads = parallelReads, ParallelReadThreshold = threshold };
        using var file = SafeTensorsFile.Open(WriteOne(folder, source), options);
        using torch.Tensor destination = torch.zeros_like(source);
        file.ReadInto("w", destination);
        Assert.Equal(source.bytes.ToArray(), destination.bytes.ToArray());
    }

    [Fact]
    public void ConcurrentReadsOfDifferentTensorsOnOneFile()
    {
        using var folder = new TempFolder();
        var tensors = Enumerable.Range(0, 16)
            .Select(i => new KeyValuePair<string, torch.Tensor>($"t{i}", torch.full([1000 + i], (float)i)))
            .ToList();
        string path = folder.File("many.safetensors");
        SafeTensorsWriter.Write(path, tensors);
        using var file = SafeTensorsFile.Open(path);

        Parallel.ForEach(file.Entries, new ParallelOptions { MaxDegreeOfParallelism = 4 }, entry =>
        {
            using torch.Tensor t = file.Read(entry);
            int i = int.Parse(entry.Name[1..]);
            Assert.Equal((float)i * (1000 + i), t.sum().item<float>());
        });
        foreach (var (_, t) in tensors)
            t.Dispose();
    }

    [Fact]
    public void FileThatShrankAfterOpeningIsATypedError()
    {
        using var folder = new TempFolder();
        using torch.Tensor source = torch.ones(1000);
        string path = WriteOne(folder, source);
        using var file = SafeTensorsFile.Open(path);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
            stream.SetLength(file.Header.DataStart + 100);
        using torch.Tensor destination = torch.empty(1000);
        var e = Assert.Throws<SafeTensorsFormatException>(() => file.ReadInto("w", destination));
        Assert.Equal(SafeTensorsRule.UnexpectedEndOfFile, e.Rule);
        Assert.Equal("w", e.Key);
    }

    [Fact]
    public void FilesAreOpenedReadOnlyAndLeftUnchanged()
    {
        using var folder = new TempFolder();
        using torch.Tensor source = torch.ones(100);
        string path = WriteOne(folder, source);
        byte[] before = File.ReadAllBytes(path);
        File.SetAttributes(path, FileAttributes.ReadOnly);
        DateTime written = File.GetLastWriteTimeUtc(path);
        using (var checkpoint = SafeTensorsCheckpoint.Open(path))
        {
            using torch.Tensor t = checkpoint.Read("w");
            // Another reader may open the file while it is open here.
            Assert.Equal(before, File.ReadAllBytes(path));
        }
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
        File.SetAttributes(path, FileAttributes.Normal);
    }

    [Fact]
    public void EntryOfAnotherFileIsRefused()
    {
        using var folder = new TempFolder();
        using torch.Tensor source = torch.ones(1);
        string a = folder.File("a.safetensors"), b = folder.File("b.safetensors");
        SafeTensorsWriter.Write(a, [new("w", source)]);
        SafeTensorsWriter.Write(b, [new("w", source)]);
        using var fa = SafeTensorsFile.Open(a);
        using var fb = SafeTensorsFile.Open(b);
        using torch.Tensor destination = torch.empty(1);
        Assert.Throws<ArgumentException>(() => fa.ReadInto(fb.GetEntry("w"), destination));
    }

    [Fact]
    public void ReadsAfterDisposeAreRefused()
    {
        using var folder = new TempFolder();
        using torch.Tensor source = torch.ones(1);
        var file = SafeTensorsFile.Open(WriteOne(folder, source));
        SafeTensorsEntry entry = file.GetEntry("w");
        file.Dispose();
        using torch.Tensor destination = torch.empty(1);
        Assert.Throws<ObjectDisposedException>(() => file.ReadInto(entry, destination));
    }

    [Fact]
    public void ReadsDoNotDependOnTheDefaultDevice()
    {
        using var folder = new TempFolder();
        using torch.Tensor source = torch.arange(10, dtype: torch.float16);
        using var file = SafeTensorsFile.Open(WriteOne(folder, source));
        using torch.Tensor destination = torch.empty(10, dtype: torch.float32, device: torch.CPU);
        torch.set_default_device(torch.META);
        try
        {
            file.ReadInto("w", destination);
        }
        finally
        {
            torch.set_default_device(torch.CPU);
        }
        Assert.Equal(45f, destination.sum().item<float>());
    }
}
