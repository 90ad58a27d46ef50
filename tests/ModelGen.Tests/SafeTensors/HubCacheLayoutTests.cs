using System.Text.Json.Nodes;
using ModelGen.SafeTensors;
using TorchSharp;

namespace ModelGen.Tests.SafeTensors;

/// <summary>Checkpoints in the Hugging Face cache layout: snapshot folders of links into a sibling blobs folder.</summary>
public sealed class HubCacheLayoutTests : IDisposable
{
    private readonly HubCacheFolder _cache = new();
    private readonly TempFolder _written = new();

    public void Dispose()
    {
        _cache.Dispose();
        _written.Dispose();
    }

    private static List<KeyValuePair<string, torch.Tensor>> Tensors() =>
    [
        new("embed.weight", torch.arange(0, 64, dtype: torch.float32).reshape(8, 8)),
        new("layers.0.weight", torch.arange(0, 64, dtype: torch.float32).reshape(8, 8) * 2),
        new("layers.0.bias", torch.arange(0, 8, dtype: torch.float32)),
    ];

    private SafeTensorsShardedWriteResult ShardedSnapshot()
    {
        SafeTensorsShardedWriteResult written = SafeTensorsShardedWriter.Write(_written.Path, Tensors(), maxShardBytes: 256);
        Assert.True(written.ShardPaths.Count > 1);
        _cache.Adopt(_written.Path);
        return written;
    }

    [Fact]
    public void AShardedSnapshotOpensByDefaultThroughItsLinks()
    {
        if (OperatingSystem.IsWindows())
            return;
        ShardedSnapshot();
        Assert.All(Directory.GetFiles(_cache.Snapshot), f => Assert.NotNull(new FileInfo(f).LinkTarget));

        using var checkpoint = SafeTensorsCheckpoint.Open(_cache.Snapshot);

        Assert.Equal(Path.Combine(_cache.Snapshot, SafeTensorsCheckpoint.IndexFileName), checkpoint.IndexPath);
        foreach (var (key, expected) in Tensors())
        {
            using torch.Tensor read = checkpoint.Read(key);
            TensorAssert.SameValues(expected, read);
        }
        // Files keep the names the user sees (the snapshot's), not the blobs' hashes.
        Assert.All(checkpoint.Files, f => Assert.StartsWith(_cache.Snapshot, f.FilePath));
    }

    [Fact]
    public void TheStrictModeRefusesLinksThatLeaveTheSnapshot()
    {
        if (OperatingSystem.IsWindows())
            return;
        SafeTensorsShardedWriteResult written = ShardedSnapshot();
        var strict = new SafeTensorsReadOptions { AllowLinksOutsideCheckpoint = false };

        var e = Assert.Throws<SafeTensorsIndexException>(() => SafeTensorsCheckpoint.Open(_cache.Snapshot, strict));

        Assert.Equal(SafeTensorsRule.PathEscapesCheckpoint, e.Rule);
        Assert.Contains(_cache.Blobs, e.Message);
        Assert.Contains(Path.GetFileName(written.ShardPaths[0]), e.Message);
    }

    [Theory]
    [InlineData("../../blobs/{0}")]
    [InlineData("{1}/{0}")]
    public void AnIndexNamingABlobPathDirectlyStaysRefused(string pattern)
    {
        if (OperatingSystem.IsWindows())
            return;
        ShardedSnapshot();
        string indexLink = Path.Combine(_cache.Snapshot, SafeTensorsCheckpoint.IndexFileName);
        string shardLink = Directory.GetFiles(_cache.Snapshot, "*.safetensors").Order(StringComparer.Ordinal).First();
        string blob = Path.GetFileName(new FileInfo(shardLink).LinkTarget!);
        string target = string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, blob, _cache.Blobs);
        // The index itself is a link too: replace it with an edited copy.
        JsonObject index = JsonNode.Parse(File.ReadAllText(indexLink))!.AsObject();
        File.Delete(indexLink);
        index["weight_map"]!["embed.weight"] = target;
        File.WriteAllText(indexLink, index.ToJsonString());

        var e = Assert.Throws<SafeTensorsIndexException>(() => SafeTensorsCheckpoint.Open(_cache.Snapshot));

        Assert.Equal(SafeTensorsRule.PathEscapesCheckpoint, e.Rule);
        Assert.Equal("embed.weight", e.Key);
        Assert.Contains(target, e.Message);
    }

    [Fact]
    public void ASingleFileSnapshotOpensThroughItsLink()
    {
        if (OperatingSystem.IsWindows())
            return;
        string written = _written.File(SafeTensorsCheckpoint.SingleFileName);
        SafeTensorsWriter.Write(written, Tensors());
        long length = new FileInfo(written).Length;
        string link = _cache.Adopt(written, SafeTensorsCheckpoint.SingleFileName);

        using var checkpoint = SafeTensorsCheckpoint.Open(_cache.Snapshot);

        Assert.Equal(link, checkpoint.Files[0].FilePath);
        Assert.Equal(length, checkpoint.Files[0].Header.FileLength);
        using torch.Tensor read = checkpoint.Read("layers.0.weight");
        TensorAssert.SameValues(Tensors()[1].Value, read);
    }
}
