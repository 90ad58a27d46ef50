using System.Security.Cryptography;
using System.Text.Json;
using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.SafeTensors;
using ModelGen.Saving;
using ModelGen.Sharding;
using ModelGen.Tests.Loading;
using static TorchSharp.torch;

namespace ModelGen.Tests.Saving;

/// <summary>Saving on one rank: the round trip, the shard limit, the skipped keys, the overwrite policy and failures.</summary>
public sealed class ModelSaverTests : IDisposable
{
    private static readonly string[] Written = ["fc1.bias", "fc1.weight", "scale"];

    private readonly CheckpointFixture _files = new();

    public void Dispose() => _files.Dispose();

    private string Target(string name = "saved") => Path.Combine(_files.Folder, name);

    private static SaveOptions Options(long maxShardBytes = SafeTensorsShardedWriter.DefaultMaxShardBytes, long window = SaveOptions.DefaultWindowBytes,
        bool overwrite = false, Action<SaveStage, string>? onStage = null, IProgress<SaveProgress>? progress = null) => new()
    {
        ProcessGroup = ProcessGroups.Single(),
        MaxShardBytes = maxShardBytes,
        WindowBytes = window,
        Overwrite = overwrite,
        OnStage = onStage,
        Progress = progress,
    };

    private HandWrittenModel Loaded(string checkpoint, ScalarType dtype = ScalarType.Float32)
    {
        HandWrittenModel model = MetaConstruction.Build(() => new HandWrittenModel(dtype));
        ShardedLoader.Load(model, checkpoint, new LoadOptions { ProcessGroup = ProcessGroups.Single() });
        return model;
    }

    private (HandWrittenModel Model, Dictionary<string, Tensor> Tensors) LoadedOriginal(ScalarType dtype = ScalarType.Float32)
    {
        var (path, tensors) = _files.Write("original.safetensors", dtype, CheckpointFixture.FullModel());
        return (Loaded(path, dtype), tensors);
    }

    /// <summary>SHA-256 of every tensor's bytes in the checkpoint at <paramref name="path"/>, by key.</summary>
    private static Dictionary<string, string> FileDigests(string path)
    {
        using SafeTensorsCheckpoint checkpoint = SafeTensorsCheckpoint.Open(path);
        return checkpoint.Entries.ToDictionary(e => e.Name, e =>
        {
            byte[] bytes = new byte[e.ByteLength];
            checkpoint.ReadBytes(e, 0, bytes);
            return Convert.ToHexString(SHA256.HashData(bytes));
        }, StringComparer.Ordinal);
    }

    private static string Digest(Tensor tensor)
    {
        using Tensor contiguous = tensor.detach().contiguous();
        return Convert.ToHexString(SHA256.HashData(contiguous.bytes));
    }

    private static Dictionary<string, string> ModelDigests(HandWrittenModel model) => new(StringComparer.Ordinal)
    {
        ["fc1.weight"] = Digest(model.fc1.weight!),
        ["fc1.bias"] = Digest(model.fc1.bias!),
        ["scale"] = Digest(model.scale),
    };

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void LoadSaveLoadIsBitForBitWithTheSameKeys(ScalarType dtype)
    {
        var (model, _) = LoadedOriginal(dtype);
        string original = Path.Combine(_files.Folder, "original.safetensors");

        SaveReport report = ModelSaver.Save(model, Target(), Options());

        Assert.Equal(FileDigests(original), FileDigests(Target()));
        HandWrittenModel reloaded = Loaded(Target(), dtype);
        Assert.Equal(ModelDigests(model), ModelDigests(reloaded));
        Assert.Same(reloaded.fc1.weight, reloaded.head.weight);
        Assert.Equal(Written, report.WrittenKeys.Order(StringComparer.Ordinal));
        Assert.Equal(["head.weight"], report.TiedKeys);
        Assert.Equal(["inv_freq"], report.ComputedKeys);
        Assert.Equal(new FileInfo(original).Length - HeaderLength(original), report.TotalBytes);
    }

    [Fact]
    public void TheFolderHasTheHubLayoutWithFormatMetadata()
    {
        var (model, _) = LoadedOriginal();

        SaveReport report = ModelSaver.Save(model, Target(), Options());

        Assert.Equal(["model-00001-of-00001.safetensors", "model.safetensors.index.json"],
            Directory.GetFiles(Target()).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(Path.Combine(Target(), "model.safetensors.index.json"), report.IndexPath);
        using JsonDocument index = JsonDocument.Parse(File.ReadAllText(report.IndexPath));
        Assert.Equal(report.TotalBytes, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
        var weightMap = index.RootElement.GetProperty("weight_map").EnumerateObject().ToList();
        Assert.Equal(Written, weightMap.Select(p => p.Name));
        Assert.All(weightMap, p => Assert.Equal("model-00001-of-00001.safetensors", p.Value.GetString()));
        using SafeTensorsFile shard = SafeTensorsFile.Open(report.ShardPaths[0]);
        Assert.Equal("pt", shard.Metadata["format"]);
    }

    [Fact]
    public void ShardsStayWithinTheLimitUnlessOneTensorIsLarger()
    {
        var (model, _) = LoadedOriginal();
        // fc1.weight is 64 bytes, fc1.bias and scale 16 each: a 40-byte limit gives [weight] [bias, scale].
        SaveReport report = ModelSaver.Save(model, Target(), Options(maxShardBytes: 40));

        Assert.Equal(["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"], report.ShardPaths.Select(Path.GetFileName));
        foreach (string shard in report.ShardPaths)
        {
            using SafeTensorsFile file = SafeTensorsFile.Open(shard);
            long data = file.Entries.Sum(e => e.ByteLength);
            Assert.True(data <= 40 || file.Entries.Count == 1, $"{shard} holds {data} bytes in {file.Entries.Count} tensors");
        }
        using (SafeTensorsFile first = SafeTensorsFile.Open(report.ShardPaths[0]))
            Assert.Equal(["fc1.weight"], first.Entries.Select(e => e.Name));
        Assert.Equal(ModelDigests(model), ModelDigests(Loaded(Target())));
    }

    [Fact]
    public void AShardedModelIsGatheredPieceByPieceThroughASmallWindow()
    {
        var (path, _) = _files.Write("original.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        HandWrittenModel model = MetaConstruction.Build(() => new HandWrittenModel());
        LoadReport loaded = ShardedLoader.Load(model, path, new LoadOptions { ProcessGroup = ProcessGroups.Single(), Placement = TensorPlacement.FullyShard });
        Assert.NotNull(loaded.Sharding);
        Dictionary<string, string> before = ModelDigests(model);

        // A 24-byte window cuts the 64-byte weight into three pieces.
        SaveReport report = ModelSaver.Save(model, Target(), Options(window: 24));

        Assert.Equal(24, report.WindowBytes);
        Assert.Equal(0, report.BytesReceived);
        Assert.Equal(FileDigests(path), FileDigests(Target()));
        Assert.Equal(before, ModelDigests(Loaded(Target())));
        Assert.Equal(["head.weight"], report.TiedKeys);
    }

    [Fact]
    public void AShardingRecordThatDisagreesWithTheRowsIsRefusedNamingKeyAndRank()
    {
        var (model, _) = LoadedOriginal();
        Tensor rows = model.fc1.weight!.detach().narrow(0, 1, 3);
        var wrong = new ShardedSlot("fc1.weight", [HandWrittenModel.Width, HandWrittenModel.Width], ScalarType.Float32, 1, 3, 4, rows);
        ModelSharding.Attach(model, new ModelSharding(ProcessGroups.Single(), [wrong], new Dictionary<string, string> { ["head.weight"] = "fc1.weight" }));

        var error = Assert.Throws<DistributedLoadException>(() => ModelSaver.Save(model, Target(), Options()));

        Assert.Contains("'fc1.weight' on rank 0 of 1 holds rows [1, 4), not its torch.chunk rows [0, 4)", error.Message);
        Assert.False(Directory.Exists(Target()));
    }

    [Fact]
    public void ANonContiguousTensorIsWrittenAsItsValues()
    {
        var (model, _) = LoadedOriginal();
        using (no_grad())
        {
            Tensor transposed = model.fc1.weight!.detach().t().contiguous().t();
            Assert.False(transposed.is_contiguous());
            model.GetTensorSlots().Single(s => s.Key == "fc1.weight").Set(transposed);
        }

        ModelSaver.Save(model, Target(), Options());

        using SafeTensorsCheckpoint saved = SafeTensorsCheckpoint.Open(Target());
        TensorAssert.Equal(model.fc1.weight!.detach().contiguous(), saved.Read("fc1.weight"));
    }

    [Fact]
    public void ProgressCountsEveryTensorAndByte()
    {
        var (model, _) = LoadedOriginal();
        var seen = new List<SaveProgress>();

        ModelSaver.Save(model, Target(), Options(maxShardBytes: 40, progress: new Recorder(seen)));

        Assert.Equal([1, 2, 3], seen.Select(p => p.TensorsDone));
        Assert.All(seen, p => Assert.Equal(3, p.TensorsTotal));
        Assert.Equal(96, seen[^1].BytesDone);
        Assert.Equal(96, seen[^1].BytesTotal);
        Assert.Equal(["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model-00002-of-00002.safetensors"], seen.Select(p => p.File));
    }

    [Fact]
    public void AFolderWithACheckpointIsRefusedAndLeftAsItWas()
    {
        var (model, _) = LoadedOriginal();
        ModelSaver.Save(model, Target(), Options(maxShardBytes: 40));
        var before = Snapshot(Target());

        var error = Assert.Throws<DistributedLoadException>(() => ModelSaver.Save(model, Target(), Options()));

        Assert.Contains("already holds a checkpoint", error.Message);
        Assert.Contains("model.safetensors.index.json", error.Message);
        Assert.Contains(nameof(SaveOptions.Overwrite), error.Message);
        Assert.Equal(before, Snapshot(Target()));
    }

    [Fact]
    public void OverwriteReplacesTheOldCheckpointAndRemovesItsOtherShards()
    {
        var (model, _) = LoadedOriginal();
        ModelSaver.Save(model, Target(), Options(maxShardBytes: 40));
        File.WriteAllText(Path.Combine(Target(), "config.json"), "{}");
        using (no_grad())
            model.scale.fill_(3);

        ModelSaver.Save(model, Target(), Options(overwrite: true));

        Assert.Equal(["config.json", "model-00001-of-00001.safetensors", "model.safetensors.index.json"],
            Directory.GetFiles(Target()).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(ModelDigests(model), ModelDigests(Loaded(Target())));
    }

    [Fact]
    public void AModelCanBeSavedOverTheCheckpointItWasMappedFrom()
    {
        var (_, tensors) = _files.Write("original.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        SafeTensorsShardedWriter.Write(Target(), tensors, maxShardBytes: 40);
        HandWrittenModel model = Loaded(Target());
        using (no_grad())
            model.fc1.bias!.add_(1);
        Dictionary<string, string> expected = ModelDigests(model);

        ModelSaver.Save(model, Target(), Options(overwrite: true));

        Assert.Equal(expected, ModelDigests(model));
        Assert.Equal(expected, ModelDigests(Loaded(Target())));
        Assert.Equal(["model-00001-of-00001.safetensors", "model.safetensors.index.json"],
            Directory.GetFiles(Target()).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AFailedWriteLeavesNoIndexAndNoTemporaryAndNamesTheFile()
    {
        var (model, _) = LoadedOriginal();
        var error = Assert.Throws<DistributedLoadException>(() => ModelSaver.Save(model, Target(), Options(maxShardBytes: 40,
            onStage: (stage, file) => { if (stage == SaveStage.ShardWritten && file.StartsWith("model-00002", StringComparison.Ordinal)) throw new IOException($"No space left on device: {file}"); })));

        Assert.Equal(0, error.FailingRank);
        Assert.Contains("model-00002-of-00002.safetensors", error.Message);
        Assert.Empty(Directory.GetFiles(Target()));
    }

    [Fact]
    public void AFailedOverwriteBeforeTheRenamesKeepsTheOldCheckpoint()
    {
        var (model, _) = LoadedOriginal();
        ModelSaver.Save(model, Target(), Options(maxShardBytes: 40));
        var before = Snapshot(Target());

        Assert.Throws<DistributedLoadException>(() => ModelSaver.Save(model, Target(), Options(overwrite: true,
            onStage: (stage, _) => { if (stage == SaveStage.Commit) throw new IOException("disk full"); })));

        Assert.Equal(before, Snapshot(Target()));
    }

    [Fact]
    public void AnUnwritableTargetFailsNamingIt()
    {
        var (model, _) = LoadedOriginal();
        string blocker = Path.Combine(_files.Folder, "a-file");
        File.WriteAllText(blocker, "not a folder");
        string target = Path.Combine(blocker, "saved");

        var error = Assert.Throws<DistributedLoadException>(() => ModelSaver.Save(model, target, Options()));

        Assert.Contains(blocker, error.Message);
        Assert.Equal("not a folder", File.ReadAllText(blocker));
    }

    [Fact]
    public void TemporariesOfAnInterruptedSaveAreRemoved()
    {
        var (model, _) = LoadedOriginal();
        Directory.CreateDirectory(Target());
        File.WriteAllText(Path.Combine(Target(), "model-00001-of-00003.safetensors" + SaveFolder.TemporarySuffix), "half");

        ModelSaver.Save(model, Target(), Options());

        Assert.DoesNotContain(Directory.GetFiles(Target()), f => f.EndsWith(SaveFolder.TemporarySuffix, StringComparison.Ordinal));
    }

    [Fact]
    public void AModelStillOnMetaIsRefusedNamingTheKey()
    {
        HandWrittenModel model = MetaConstruction.Build(() => new HandWrittenModel());

        var error = Assert.Throws<DistributedLoadException>(() => ModelSaver.Save(model, Target(), Options()));

        Assert.Contains("'fc1.weight'", error.Message);
        Assert.Contains("meta", error.Message);
        Assert.False(Directory.Exists(Target()));
    }

    [Theory]
    [InlineData(0, SaveOptions.DefaultWindowBytes)]
    [InlineData(100, 0)]
    [InlineData(100, 12)]
    public void BadSizesAreRefusedBeforeAnythingHappens(long maxShardBytes, long window)
    {
        var (model, _) = LoadedOriginal();

        Assert.Throws<ArgumentOutOfRangeException>(() => ModelSaver.Save(model, Target(), Options(maxShardBytes, window)));
        Assert.False(Directory.Exists(Target()));
    }

    private static long HeaderLength(string path)
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        return file.Entries[0].FileOffset;
    }

    private static Dictionary<string, string> Snapshot(string folder) =>
        Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))), StringComparer.Ordinal);

    private sealed class Recorder(List<SaveProgress> seen) : IProgress<SaveProgress>
    {
        public void Report(SaveProgress value) => seen.Add(value);
    }
}
