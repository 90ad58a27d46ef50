using ModelGen.SafeTensors;
using ModelGen.Tests.SafeTensors;
using static TorchSharp.torch;

namespace ModelGen.Tests.Saving;

/// <summary>The header-first writer the save streams through: what it completes is a valid file; a short one is refused.</summary>
public sealed class SafeTensorsStreamingWriterTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static readonly SafeTensorsLayoutEntry[] Layout =
    [
        new("a", SafeTensorsDType.F32, [2, 3], 24),
        new("b", SafeTensorsDType.I64, [], 8),
    ];

    [Fact]
    public unsafe void DataAppendedInPiecesMakesAFileTheReaderAccepts()
    {
        string path = _folder.File("streamed.safetensors");
        Tensor a = arange(6, dtype: ScalarType.Float32).reshape(2, 3);
        Tensor b = tensor(-5L);
        using (var writer = new SafeTensorsStreamingWriter(path, Layout, new Dictionary<string, string> { ["format"] = "pt" }))
        {
            fixed (byte* pa = a.bytes, pb = b.bytes)
            {
                writer.Append((nint)pa, 10);
                writer.Append((nint)pa + 10, 14);
                writer.Append((nint)pb, 8);
            }
            writer.Complete();
        }

        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        Assert.Equal(0, file.Entries[0].FileOffset % 8);
        Assert.Equal("pt", file.Metadata["format"]);
        using SafeTensorsCheckpoint checkpoint = SafeTensorsCheckpoint.Open(path);
        TensorAssert.Equal(a, checkpoint.Read("a"));
        TensorAssert.Equal(b, checkpoint.Read("b"));
    }

    [Fact]
    public unsafe void AFileShortOfItsHeaderIsNotCompletedAndTooMuchDataIsRefused()
    {
        string path = _folder.File("short.safetensors");
        byte[] bytes = new byte[40];
        using var writer = new SafeTensorsStreamingWriter(path, Layout, null);
        fixed (byte* pinned = bytes)
        {
            nint p = (nint)pinned;
            writer.Append(p, 24);
            Assert.Contains("24 of the", Assert.Throws<InvalidOperationException>(writer.Complete).Message);
            Assert.Contains(path, Assert.Throws<InvalidOperationException>(() => writer.Append(p, 9)).Message);
        }
    }
}
