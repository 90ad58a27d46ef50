using ModelGen.SafeTensors;
using static TorchSharp.torch;

namespace ModelGen.Tests.SafeTensors;

public sealed class CheckpointMappingTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>A 3-byte U8 tensor first, so the F32 tensor after it starts at an offset no float can be mapped at.</summary>
    private (SafeTensorsFile File, Tensor Aligned, Tensor Unaligned) WriteMixed()
    {
        manual_seed(3);
        var tensors = new Dictionary<string, Tensor>
        {
            ["a.bytes"] = tensor(new byte[] { 1, 2, 3 }),
            ["b.floats"] = randn(4, 3),
        };
        string path = _folder.File("mixed.safetensors");
        SafeTensorsWriter.Write(path, tensors);
        return (SafeTensorsFile.Open(path), tensors["a.bytes"], tensors["b.floats"]);
    }

    [Fact]
    public void AMappedTensorHoldsTheFileBytesAndOutlivesTheMappingObject()
    {
        var (file, bytes, _) = WriteMixed();
        using (file)
        {
            SafeTensorsEntry entry = file.GetEntry("a.bytes");
            Assert.True(CheckpointMapping.CanMap(entry, ScalarType.Byte));
            Tensor mapped;
            using (var mapping = new CheckpointMapping())
                mapped = mapping.Map(file, entry);
            TensorAssert.SameValues(bytes, mapped);
            mapped.Dispose();
        }
    }

    [Fact]
    public void OnlyTheFileDTypeAtAnAlignedOffsetCanBeMapped()
    {
        var (file, _, _) = WriteMixed();
        using (file)
        {
            SafeTensorsEntry floats = file.GetEntry("b.floats");
            Assert.NotEqual(0, floats.FileOffset % sizeof(float));
            Assert.False(CheckpointMapping.CanMap(floats, ScalarType.Float32));
            Assert.False(CheckpointMapping.CanMap(file.GetEntry("a.bytes"), ScalarType.Int8));
            using var mapping = new CheckpointMapping();
            var error = Assert.Throws<ArgumentException>(() => mapping.Map(file, floats));
            Assert.Contains("'b.floats'", error.Message);
        }
    }

    [Fact]
    public void AFileGoneBeforeMappingIsTheFileChangedRuleNamingIt()
    {
        var (file, _, _) = WriteMixed();
        using (file)
        {
            SafeTensorsEntry entry = file.GetEntry("a.bytes");
            File.Delete(entry.FilePath);
            using var mapping = new CheckpointMapping();
            var error = Assert.Throws<SafeTensorsFormatException>(() => mapping.Map(file, entry));
            Assert.Equal(SafeTensorsRule.FileChanged, error.Rule);
            Assert.Equal(entry.FilePath, error.FilePath);
            Assert.Contains(entry.FilePath, error.Message);
        }
    }
}
