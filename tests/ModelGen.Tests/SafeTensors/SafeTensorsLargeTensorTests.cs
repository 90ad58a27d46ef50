using System.Diagnostics;
using ModelGen.SafeTensors;
using TorchSharp;
using Xunit.Abstractions;

namespace ModelGen.Tests.SafeTensors;

/// <summary>Tensors above the 2 GiB a span can address, written and read back through raw memory.</summary>
public class SafeTensorsLargeTensorTests(ITestOutputHelper output)
{
    [Fact]
    public void TensorLargerThanTwoGibibytesRoundTripsByteForByteReadAndMapped()
    {
        // 251 is prime, so a repeated 0..250 ramp puts a different value at every offset modulo 251: any byte
        // written to or read from the wrong place (for example at the 2 GiB or 1 GiB span boundaries) shows up.
        const long Period = 251;
        long repeats = (2L << 30) / Period + 400_000; // ~2.09 GiB
        long length = Period * repeats;
        Assert.True(length > int.MaxValue + 1L);

        using var folder = new TempFolder();
        string path = folder.File("large.safetensors");
        using (torch.Tensor ramp = torch.arange(Period, dtype: torch.uint8))
        using (torch.Tensor source = ramp.repeat(repeats))
        {
            var clock = Stopwatch.StartNew();
            SafeTensorsWriter.Write(path, [new("big", source)]);
            output.WriteLine($"write {length / 1e9:F2} GB: {clock.Elapsed.TotalSeconds:F2} s");

            using var file = SafeTensorsFile.Open(path);
            Assert.Equal(length, file.GetEntry("big").ByteLength);
            using torch.Tensor destination = torch.empty(length, dtype: torch.uint8);
            clock.Restart();
            file.ReadInto("big", destination);
            output.WriteLine($"read {length / 1e9:F2} GB: {clock.Elapsed.TotalSeconds:F2} s");
            TensorAssert.SameValues(source, destination);
            destination.Dispose();

            // The same bytes mapped instead of read: one view past 2 GiB, made resident in one call.
            clock.Restart();
            using var mapping = new CheckpointMapping();
            using torch.Tensor mapped = mapping.Map(file, file.GetEntry("big"));
            output.WriteLine($"map {length / 1e9:F2} GB: {clock.Elapsed.TotalSeconds:F2} s");
            TensorAssert.SameValues(source, mapped);
        }
        File.Delete(path);
    }

    [Fact]
    public void ConvertingReadOfATensorLargerThanTheStagingBufferMatchesTorch()
    {
        using var folder = new TempFolder();
        string path = folder.File("convert.safetensors");
        // 24M bf16 elements = 48 MiB on disk, 96 MiB as float32: several 32 MiB staging chunks.
        using var generator = new torch.Generator(3);
        using torch.Tensor source = torch.randn([24L << 20], dtype: torch.bfloat16, generator: generator);
        SafeTensorsWriter.Write(path, [new("w", source)]);
        using var file = SafeTensorsFile.Open(path);
        using torch.Tensor destination = torch.empty([24L << 20], dtype: torch.float32);
        file.ReadInto("w", destination);
        using torch.Tensor expected = source.to(torch.float32);
        TensorAssert.SameValues(expected, destination);
    }
}
