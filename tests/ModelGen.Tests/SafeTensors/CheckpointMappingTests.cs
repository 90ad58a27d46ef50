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

    [Fact]
    public void AFileCutShortBetweenOpenAndMappingIsTheShortReadRuleNotALibtorchError()
    {
        string path = _folder.File("floats.safetensors");
        SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["first"] = randn(16), ["second"] = randn(16) });
        using var file = SafeTensorsFile.Open(path);
        SafeTensorsEntry first = file.GetEntry("first"), second = file.GetEntry("second");
        Assert.True(CheckpointMapping.CanMap(second, ScalarType.Float32));
        using (var cut = new FileStream(path, FileMode.Open, FileAccess.Write))
            cut.SetLength(second.FileOffset + 4);
        using var mapping = new CheckpointMapping();

        var whole = Assert.Throws<SafeTensorsFormatException>(() => mapping.Map(file, first));
        var entryCut = Assert.Throws<SafeTensorsFormatException>(() => mapping.Map(file, second));

        // The first entry is still whole, but the file is not the one validated; the second is cut.
        Assert.Equal(SafeTensorsRule.FileChanged, whole.Rule);
        Assert.Equal(SafeTensorsRule.UnexpectedEndOfFile, entryCut.Rule);
        Assert.Equal(path, entryCut.FilePath);
        Assert.Equal("second", entryCut.Key);
        Assert.Contains($"{second.FileOffset + 4} bytes", entryCut.Message);
    }

    [Fact]
    public void AFileRewrittenInPlaceBeforeMappingIsTheFileChangedRule()
    {
        var (file, _, _) = WriteMixed();
        using (file)
        {
            byte[] bytes = File.ReadAllBytes(file.FilePath);
            bytes[^1] ^= 0xFF;
            File.WriteAllBytes(file.FilePath, bytes);
            // Same length; the modification time alone tells (set it clearly apart from the open's).
            File.SetLastWriteTimeUtc(file.FilePath, DateTime.UtcNow.AddMinutes(1));
            using var mapping = new CheckpointMapping();

            var error = Assert.Throws<SafeTensorsFormatException>(() => mapping.Map(file, file.GetEntry("a.bytes")));

            Assert.Equal(SafeTensorsRule.FileChanged, error.Rule);
            Assert.Equal("a.bytes", error.Key);
        }
    }

    [Fact]
    public void AFileReplacedByRenameBeforeMappingIsTheFileChangedRule()
    {
        var (file, _, _) = WriteMixed();
        using (file)
        {
            string copy = _folder.File("copy.safetensors");
            File.Copy(file.FilePath, copy);
            File.SetLastWriteTimeUtc(copy, File.GetLastWriteTimeUtc(file.FilePath));
            File.Move(copy, file.FilePath, overwrite: true);
            using var mapping = new CheckpointMapping();

            var error = Assert.Throws<SafeTensorsFormatException>(() => mapping.Map(file, file.GetEntry("a.bytes")));

            Assert.Equal(SafeTensorsRule.FileChanged, error.Rule);
            Assert.Contains("inode", error.Message);
        }
    }
}
