using System.Text.Json.Nodes;
using ModelGen.SafeTensors;
using TorchSharp;

namespace ModelGen.Tests.SafeTensors;

public class SafeTensorsCheckpointTests
{
    private static List<KeyValuePair<string, torch.Tensor>> Model() =>
    [
        new("embed.weight", torch.arange(0, 400, dtype: torch.float32).reshape(20, 20)),
        new("layers.0.weight", torch.arange(0, 100, dtype: torch.bfloat16).reshape(10, 10)),
        new("layers.0.bias", torch.arange(0, 10, dtype: torch.float16)),
        new("layers.1.weight", torch.arange(0, 300, dtype: torch.float32).reshape(30, 10)),
        new("steps", torch.tensor(7L)),
        new("mask", torch.ones(5, dtype: torch.@bool)),
    ];

    private static SafeTensorsShardedWriteResult WriteSharded(TempFolder folder, long maxShardBytes = 1000) =>
        SafeTensorsShardedWriter.Write(folder.Path, Model(), maxShardBytes, new Dictionary<string, string> { ["format"] = "pt" });

    private static void RewriteIndex(string indexPath, Action<JsonObject> change)
    {
        JsonObject index = JsonNode.Parse(File.ReadAllText(indexPath))!.AsObject();
        change(index["weight_map"]!.AsObject());
        File.WriteAllText(indexPath, index.ToJsonString());
    }

    private static SafeTensorsIndexException IndexRejected(string path, SafeTensorsRule rule, string expectedFile, string? key)
    {
        var e = Assert.Throws<SafeTensorsIndexException>(() => SafeTensorsCheckpoint.Open(path).Dispose());
        Assert.Equal(rule, e.Rule);
        Assert.Equal(expectedFile, e.FilePath);
        Assert.Equal(key, e.Key);
        Assert.Contains(expectedFile, e.Message);
        Assert.Contains(rule.ToString(), e.Message);
        if (key is not null)
            Assert.Contains($"'{key}'", e.Message);
        return e;
    }

    [Fact]
    public void ShardedWriteRoundTripsThroughTheIndexTheFolderAndEachShard()
    {
        using var folder = new TempFolder();
        SafeTensorsShardedWriteResult written = WriteSharded(folder);
        List<KeyValuePair<string, torch.Tensor>> model = Model();

        // 1600 bytes of embedding (over the limit: a shard of its own), 200 + 20, 1200 (alone again), 8 + 5.
        Assert.Equal(Enumerable.Range(1, 4).Select(i => folder.File($"model-0000{i}-of-00004.safetensors")), written.ShardPaths);
        Assert.Equal(folder.File(SafeTensorsCheckpoint.IndexFileName), written.IndexPath);
        long expectedTotal = model.Sum(p => SafeTensorsWriter.ByteLength(p.Value));
        Assert.Equal(expectedTotal, written.TotalSize);

        foreach (string path in new[] { written.IndexPath, folder.Path })
        {
            using var checkpoint = SafeTensorsCheckpoint.Open(path);
            Assert.Equal(written.IndexPath, checkpoint.IndexPath);
            Assert.Equal(written.ShardPaths, checkpoint.Files.Select(f => f.FilePath));
            Assert.Equal(expectedTotal, checkpoint.TotalTensorBytes);
            Assert.Equal(expectedTotal, checkpoint.DeclaredTotalSize);
            Assert.Equal(model.Select(p => p.Key), checkpoint.Entries.Select(e => e.Name));
            foreach (SafeTensorsFile file in checkpoint.Files)
                Assert.Equal("pt", file.Metadata["format"]);
            foreach ((string key, torch.Tensor expected) in model)
            {
                using torch.Tensor actual = torch.empty(expected.shape, dtype: expected.dtype);
                checkpoint.ReadInto(key, actual);
                Assert.Equal(expected.bytes.ToArray(), actual.bytes.ToArray());
                byte[] raw = new byte[SafeTensorsWriter.ByteLength(expected)];
                checkpoint.ReadBytes(checkpoint.GetEntry(key), 0, raw);
                Assert.Equal(expected.bytes.ToArray(), raw);
                Assert.Equal(checkpoint.FileOf(checkpoint.GetEntry(key)).FilePath, checkpoint.GetEntry(key).FilePath);
            }
        }
        foreach (var (_, t) in model)
            t.Dispose();
    }

    [Fact]
    public void ShardsRespectTheSizeLimitAndOversizedTensorsGetTheirOwnShard()
    {
        using var folder = new TempFolder();
        SafeTensorsShardedWriteResult written = WriteSharded(folder, maxShardBytes: 500);
        foreach (string shard in written.ShardPaths)
        {
            using var file = SafeTensorsFile.Open(shard);
            Assert.True(file.Header.TotalTensorBytes <= 500 || file.Entries.Count == 1, shard);
        }
        Assert.Equal(4, written.ShardPaths.Count);
    }

    [Fact]
    public void SingleFileFolderAndExplicitFileOpenAlike()
    {
        using var folder = new TempFolder();
        using torch.Tensor t = torch.ones(3);
        SafeTensorsWriter.Write(folder.File("weights.safetensors"), [new("w", t)]);
        using (var byFolder = SafeTensorsCheckpoint.Open(folder.Path))
        {
            Assert.Null(byFolder.IndexPath);
            Assert.Equal(folder.File("weights.safetensors"), Assert.Single(byFolder.Files).FilePath);
        }
        // model.safetensors wins over other files when there is no index.
        SafeTensorsWriter.Write(folder.File(SafeTensorsCheckpoint.SingleFileName), [new("m", t)]);
        using var preferred = SafeTensorsCheckpoint.Open(folder.Path);
        Assert.True(preferred.Contains("m"));
    }

    [Fact]
    public void MissingPathIsATypedError()
    {
        using var folder = new TempFolder();
        string path = folder.File("absent.safetensors");
        IndexRejected(path, SafeTensorsRule.FileNotFound, path, null);
    }

    [Fact]
    public void FolderWithoutACheckpoint()
    {
        using var folder = new TempFolder();
        IndexRejected(folder.Path, SafeTensorsRule.NoCheckpointInFolder, folder.Path, null);
    }

    [Fact]
    public void FolderWithSeveralFilesAndNoIndex()
    {
        using var folder = new TempFolder();
        using torch.Tensor t = torch.ones(3);
        SafeTensorsWriter.Write(folder.File("a.safetensors"), [new("w", t)]);
        SafeTensorsWriter.Write(folder.File("b.safetensors"), [new("w", t)]);
        var e = IndexRejected(folder.Path, SafeTensorsRule.NoCheckpointInFolder, folder.Path, null);
        Assert.Contains("a.safetensors", e.Message);
    }

    [Fact]
    public void MissingShardFile()
    {
        using var folder = new TempFolder();
        SafeTensorsShardedWriteResult written = WriteSharded(folder);
        File.Delete(written.ShardPaths[1]);
        var e = Assert.Throws<SafeTensorsIndexException>(() => SafeTensorsCheckpoint.Open(written.IndexPath));
        Assert.Equal(SafeTensorsRule.ShardFileMissing, e.Rule);
        Assert.Equal(written.ShardPaths[1], e.FilePath);
        Assert.Contains(written.ShardPaths[1], e.Message);
        Assert.Contains(written.IndexPath, e.Message);
        Assert.NotNull(e.Key);
    }

    [Fact]
    public void KeyInTheIndexMissingFromItsFile()
    {
        using var folder = new TempFolder();
        SafeTensorsShardedWriteResult written = WriteSharded(folder);
        RewriteIndex(written.IndexPath, map => map["ghost.weight"] = "model-00002-of-00004.safetensors");
        IndexRejected(written.IndexPath, SafeTensorsRule.KeyMissingInShard, written.ShardPaths[1], "ghost.weight");
    }

    [Fact]
    public void KeyInAFileThatTheIndexDoesNotList()
    {
        using var folder = new TempFolder();
        SafeTensorsShardedWriteResult written = WriteSharded(folder);
        RewriteIndex(written.IndexPath, map => map.Remove("steps"));
        string shard = written.ShardPaths.Single(p => { using var f = SafeTensorsFile.Open(p); return f.Contains("steps"); });
        var e = IndexRejected(written.IndexPath, SafeTensorsRule.KeyNotInIndex, shard, "steps");
        Assert.Contains("does not list", e.Message);
    }

    [Fact]
    public void KeyThatTheIndexMapsToAnotherFile()
    {
        using var folder = new TempFolder();
        SafeTensorsShardedWriteResult written = WriteSharded(folder);
        // Copy the shard of layers.0.{weight,bias} and point only the weight at the copy: the copy then holds a bias mapped elsewhere.
        string copy = folder.File("copy.safetensors");
        File.Copy(written.ShardPaths[1], copy);
        RewriteIndex(written.IndexPath, map => map["layers.0.weight"] = "copy.safetensors");
        var e = IndexRejected(written.IndexPath, SafeTensorsRule.KeyNotInIndex, copy, "layers.0.bias");
        Assert.Contains(written.ShardPaths[1], e.Message);
    }

    [Theory]
    [InlineData("../outside.safetensors")]
    [InlineData("sub/../../outside.safetensors")]
    [InlineData("/etc/passwd")]
    [InlineData("..\\outside.safetensors")]
    public void WeightMapPathsThatLeaveTheFolder(string target)
    {
        using var folder = new TempFolder();
        SafeTensorsShardedWriteResult written = WriteSharded(folder);
        RewriteIndex(written.IndexPath, map => map["steps"] = target);
        var e = IndexRejected(written.IndexPath, SafeTensorsRule.PathEscapesCheckpoint, written.IndexPath, "steps");
        Assert.Contains(target, e.Message);
    }

    [Fact]
    public void SymbolicLinkLeadingOutOfTheFolderIsFollowedUnlessTheStrictModeIsOn()
    {
        if (OperatingSystem.IsWindows())
            return;
        using var outside = new TempFolder();
        using var folder = new TempFolder();
        SafeTensorsShardedWriteResult written = WriteSharded(folder);
        string shard = written.ShardPaths[0];
        string moved = outside.File("elsewhere.safetensors");
        File.Move(shard, moved);
        File.CreateSymbolicLink(shard, moved);

        // Link-based layouts (the Hugging Face cache) open by default.
        using (var checkpoint = SafeTensorsCheckpoint.Open(written.IndexPath))
            Assert.True(checkpoint.Contains("embed.weight"));

        var strict = new SafeTensorsReadOptions { AllowLinksOutsideCheckpoint = false };
        var e = Assert.Throws<SafeTensorsIndexException>(() => SafeTensorsCheckpoint.Open(written.IndexPath, strict));
        Assert.Equal(SafeTensorsRule.PathEscapesCheckpoint, e.Rule);
        Assert.Equal(written.IndexPath, e.FilePath);
        Assert.Equal("embed.weight", e.Key);
        Assert.Contains(moved, e.Message);
        Assert.Contains(nameof(SafeTensorsReadOptions.AllowLinksOutsideCheckpoint), e.Message);

        // '..' names stay refused whatever the option says.
        RewriteIndex(written.IndexPath, map => map["embed.weight"] = "../x/model-00001-of-00004.safetensors");
        var dotDot = Assert.Throws<SafeTensorsIndexException>(() => SafeTensorsCheckpoint.Open(written.IndexPath));
        Assert.Equal(SafeTensorsRule.PathEscapesCheckpoint, dotDot.Rule);
    }

    [Fact]
    public void SymbolicLinkInsideTheFolderIsFine()
    {
        if (OperatingSystem.IsWindows())
            return;
        using var folder = new TempFolder();
        SafeTensorsShardedWriteResult written = WriteSharded(folder);
        string shard = written.ShardPaths[0];
        Directory.CreateDirectory(folder.File("blobs"));
        string moved = folder.File("blobs/abc123");
        File.Move(shard, moved);
        File.CreateSymbolicLink(shard, moved);
        using var checkpoint = SafeTensorsCheckpoint.Open(written.IndexPath);
        Assert.True(checkpoint.Contains("embed.weight"));
    }

    [Theory]
    [InlineData("{\"weight_map\":")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"metadata\":{\"total_size\":1}}")]
    [InlineData("{\"weight_map\":[]}")]
    [InlineData("{\"weight_map\":{\"a\":1}}")]
    [InlineData("{\"weight_map\":{\"a\":\"x.safetensors\",\"a\":\"x.safetensors\"}}")]
    [InlineData("{\"weight_map\":{},\"weight_map\":{}}")]
    [InlineData("{\"metadata\":7,\"weight_map\":{}}")]
    [InlineData("{\"weight_map\":{\"a\":\"\"}}")]
    public void InvalidIndexJson(string json)
    {
        using var folder = new TempFolder();
        string index = folder.File(SafeTensorsCheckpoint.IndexFileName);
        File.WriteAllText(index, json);
        IndexRejected(index, SafeTensorsRule.InvalidIndex, index, Key(json));

        static string? Key(string json) => json.Contains("\"a\":") ? "a" : null;
    }

    [Fact]
    public void IndexWithInvalidUtf8()
    {
        using var folder = new TempFolder();
        string index = folder.Write(SafeTensorsCheckpoint.IndexFileName, [(byte)'{', 0xC3, (byte)'}']);
        IndexRejected(index, SafeTensorsRule.InvalidIndex, index, null);
    }

    [Fact]
    public void BrokenShardIsReportedWithTheShardsPathAndRule()
    {
        using var folder = new TempFolder();
        SafeTensorsShardedWriteResult written = WriteSharded(folder);
        using (var stream = new FileStream(written.ShardPaths[2], FileMode.Open, FileAccess.Write))
            stream.SetLength(stream.Length - 1);
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsCheckpoint.Open(folder.Path));
        Assert.Equal(SafeTensorsRule.FileLengthMismatch, e.Rule);
        Assert.Equal(written.ShardPaths[2], e.FilePath);
    }

    [Fact]
    public void UnknownKeyOnACheckpoint()
    {
        using var folder = new TempFolder();
        SafeTensorsShardedWriteResult written = WriteSharded(folder);
        using var checkpoint = SafeTensorsCheckpoint.Open(written.IndexPath);
        using torch.Tensor destination = torch.empty(1);
        var e = Assert.Throws<SafeTensorsReadException>(() => checkpoint.ReadInto("nope", destination));
        Assert.Equal(SafeTensorsRule.UnknownKey, e.Rule);
        Assert.Equal(written.IndexPath, e.FilePath);
        Assert.False(checkpoint.TryGetEntry("nope", out _));
    }

    [Fact]
    public void IndexWithoutMetadataAndAFloatTotalSizeAreAccepted()
    {
        using var folder = new TempFolder();
        SafeTensorsShardedWriteResult written = WriteSharded(folder);
        JsonObject index = JsonNode.Parse(File.ReadAllText(written.IndexPath))!.AsObject();
        index["metadata"] = JsonNode.Parse("{\"total_size\": 2.0e3, \"other\": [1]}");
        File.WriteAllText(written.IndexPath, index.ToJsonString());
        using (var checkpoint = SafeTensorsCheckpoint.Open(written.IndexPath))
            Assert.Equal(2000, checkpoint.DeclaredTotalSize);
        index.Remove("metadata");
        File.WriteAllText(written.IndexPath, index.ToJsonString());
        using (var checkpoint = SafeTensorsCheckpoint.Open(written.IndexPath))
            Assert.Null(checkpoint.DeclaredTotalSize);
    }
}
