using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Tests.Loading;

public sealed class ShardedLoaderTests : IDisposable
{
    private readonly CheckpointFixture _files = new();

    public void Dispose() => _files.Dispose();

    private static HandWrittenModel OnMeta(ScalarType dtype = ScalarType.Float32) => MetaConstruction.Build(() => new HandWrittenModel(dtype));

    private static LoadOptions Single(LoadOptions? options = null) => new()
    {
        ProcessGroup = ProcessGroups.Single(),
        DType = options?.DType,
        IgnoredKeys = options?.IgnoredKeys ?? [],
        InitializeMissing = options?.InitializeMissing ?? true,
        Progress = options?.Progress,
    };

    [Fact]
    public void MetaConstructionAllocatesNothingAndRestoresTheDefaultDevice()
    {
        HandWrittenModel model = OnMeta();
        Assert.Equal(DeviceType.META, model.fc1.weight!.device_type);
        Assert.Equal(DeviceType.CPU, get_default_device().type);
        Assert.Throws<InvalidOperationException>(() => MetaConstruction.Build<HandWrittenModel>(() => throw new InvalidOperationException("boom")));
        Assert.Equal(DeviceType.CPU, get_default_device().type);
    }

    [Fact]
    public void LoadedTensorsEqualTheFileAndAreNeverInitialized()
    {
        var (path, written) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        HandWrittenModel model = OnMeta();

        LoadReport report = ShardedLoader.Load(model, path, Single());

        TensorAssert.Equal(written["fc1.weight"], model.fc1.weight!);
        TensorAssert.Equal(written["fc1.bias"], model.fc1.bias!);
        TensorAssert.Equal(written["scale"], model.scale);
        Assert.Empty(model.InitCalls);
        Assert.Equal(0, report.InitCallsOnLoaded);
        Assert.Equal(["fc1.bias", "fc1.weight", "scale"], report.LoadedKeys.Order(StringComparer.Ordinal));
        Assert.Empty(report.InitializedKeys);
        Assert.Equal(4 * (16 + 4 + 4), report.ParameterBytes);
        Assert.Equal(0, report.Rank);
        Assert.Equal(1, report.Ranks);
    }

    [Fact]
    public void LoadedParametersAreWhatNamedParametersAndForwardSee()
    {
        var (path, written) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        HandWrittenModel model = OnMeta();
        ShardedLoader.Load(model, path, Single());

        var named = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        TensorAssert.Equal(written["fc1.weight"], named["fc1.weight"]);
        TensorAssert.Equal(written["scale"], named["scale"]);
        using var x = ones(1, HandWrittenModel.Width);
        using var expected = nn.functional.linear(nn.functional.linear(x, written["fc1.weight"], written["fc1.bias"]), written["fc1.weight"]) * written["scale"];
        Assert.True(allclose(expected, model.forward(x)));
    }

    [Fact]
    public void OnlyMissingParametersAreInitializedOnce()
    {
        var (path, _) = _files.Write("partial.safetensors", ScalarType.Float32, ("fc1.weight", [4, 4]), ("fc1.bias", [4]));
        HandWrittenModel model = OnMeta();
        model.MissingKeys = MissingKeyPolicy.Initialize;

        LoadReport report = ShardedLoader.Load(model, path, Single());

        Assert.Equal(["scale"], report.InitializedKeys);
        Assert.Equal(new Dictionary<string, int> { ["scale"] = 1 }, model.InitCalls);
        Assert.Equal(0, report.InitCallsOnLoaded);
        TensorAssert.Equal(ones(4), model.scale);
    }

    [Fact]
    public void TiedWeightsShareOneTensorAndComputedBuffersAreSet()
    {
        var (path, _) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        HandWrittenModel model = OnMeta();

        LoadReport report = ShardedLoader.Load(model, path, Single());

        Assert.Equal(["head.weight"], report.TiedKeys);
        Assert.Equal(model.fc1.weight!.Handle, model.head.weight!.Handle);
        model.fc1.weight!.detach().mul_(2);
        TensorAssert.Equal(model.fc1.weight!, model.head.weight!);
        Assert.Equal(["inv_freq"], report.ComputedKeys);
        Assert.Equal(1, model.ComputeCalls);
        Assert.Equal(DeviceType.CPU, model.inv_freq.device_type);
        Assert.Equal(1f, model.inv_freq[0].item<float>());
    }

    [Fact]
    public void DTypeConversionWhileReading()
    {
        var (path, written) = _files.Write("bf16.safetensors", ScalarType.BFloat16, CheckpointFixture.FullModel());
        HandWrittenModel model = OnMeta(ScalarType.Float32);
        ShardedLoader.Load(model, path, Single());
        Assert.Equal(ScalarType.Float32, model.fc1.weight!.dtype);
        TensorAssert.Equal(written["fc1.weight"].to(ScalarType.Float32), model.fc1.weight!);

        HandWrittenModel converted = OnMeta(ScalarType.Float32);
        ShardedLoader.Load(converted, path, Single(new LoadOptions { DType = ScalarType.BFloat16 }));
        Assert.Equal(ScalarType.BFloat16, converted.fc1.weight!.dtype);
    }

    [Fact]
    public void UnmappedCheckpointKeyFailsBeforeAnythingIsLoaded()
    {
        var (path, _) = _files.Write("extra.safetensors", ScalarType.Float32, [.. CheckpointFixture.FullModel(), ("fc2.weight", [4, 4])]);
        HandWrittenModel model = OnMeta();

        var error = Assert.Throws<CheckpointMismatchException>(() => ShardedLoader.Load(model, path, Single()));

        Assert.Contains("'fc2.weight'", error.Message);
        Assert.Contains("extra.safetensors", error.Message);
        Assert.Contains("no parameter or buffer", error.Message);
        Assert.Equal(DeviceType.META, model.fc1.weight!.device_type);
    }

    [Fact]
    public void IgnoreGlobsSkipKeysFromTheOptionsAndTheModel()
    {
        var (path, _) = _files.Write("extra.safetensors", ScalarType.Float32,
            [.. CheckpointFixture.FullModel(), ("rotary.inv_freq", [2]), ("fc1.weight_absmax", [4])]);
        HandWrittenModel model = OnMeta();
        model.Ignored.Add("**.inv_freq");

        LoadReport report = ShardedLoader.Load(model, path, Single(new LoadOptions { IgnoredKeys = ["fc1.*_absmax"] }));

        Assert.Equal(["fc1.weight_absmax", "rotary.inv_freq"], report.IgnoredKeys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ShapeMismatchNamesKeyAndBothShapes()
    {
        var (path, _) = _files.Write("shape.safetensors", ScalarType.Float32, ("fc1.weight", [4, 5]), ("fc1.bias", [4]), ("scale", [4]));
        var error = Assert.Throws<CheckpointMismatchException>(() => ShardedLoader.Load(OnMeta(), path, Single()));
        Assert.Contains("'fc1.weight'", error.Message);
        Assert.Contains("[4, 5]", error.Message);
        Assert.Contains("[4, 4]", error.Message);
    }

    [Fact]
    public void MissingParameterIsAnErrorWhenInitializationIsOff()
    {
        var (path, _) = _files.Write("partial.safetensors", ScalarType.Float32, ("fc1.weight", [4, 4]), ("fc1.bias", [4]));
        HandWrittenModel model = OnMeta();
        model.MissingKeys = MissingKeyPolicy.Initialize;
        var error = Assert.Throws<CheckpointMismatchException>(() => ShardedLoader.Load(model, path, Single(new LoadOptions { InitializeMissing = false })));
        Assert.Contains("'scale'", error.Message);
        Assert.Contains("initialization of missing tensors is off", error.Message);
    }

    [Fact]
    public void CorruptShardFailsWithAnErrorNamingTheFileAndTheModelIsNotUsable()
    {
        var (path, _) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^8]);

        var error = Assert.Throws<SafeTensorsFormatException>(() => ShardedLoader.Load(OnMeta(), path, Single()));

        Assert.Equal(SafeTensorsRule.FileLengthMismatch, error.Rule);
        Assert.Equal(path, error.FilePath);
        Assert.Equal(0, Assert.IsType<DistributedLoadException>(error.InnerException).FailingRank);
    }

    [Fact]
    public void MissingShardFileFailsNamingTheFile()
    {
        string folder = Path.Combine(_files.Folder, "sharded");
        manual_seed(1);
        var tensors = CheckpointFixture.FullModel().ToDictionary(e => e.Key, e => randn(e.Shape));
        SafeTensorsShardedWriteResult written = SafeTensorsShardedWriter.Write(folder, tensors, maxShardBytes: 64);
        File.Delete(written.ShardPaths[^1]);

        var error = Assert.Throws<SafeTensorsIndexException>(() => ShardedLoader.Load(OnMeta(), folder, Single()));

        Assert.Equal(SafeTensorsRule.ShardFileMissing, error.Rule);
        Assert.Equal(written.ShardPaths[^1], error.FilePath);
    }

    [Fact]
    public void ShardedCheckpointLoadsThroughItsIndex()
    {
        string folder = Path.Combine(_files.Folder, "sharded");
        manual_seed(1);
        var tensors = CheckpointFixture.FullModel().ToDictionary(e => e.Key, e => randn(e.Shape));
        SafeTensorsShardedWriter.Write(folder, tensors, maxShardBytes: 64);
        HandWrittenModel model = OnMeta();

        LoadReport report = ShardedLoader.Load(model, folder, Single());

        Assert.Equal(3, report.LoadedKeys.Count);
        TensorAssert.Equal(tensors["scale"], model.scale);
    }

    [Fact]
    public void ProgressIsReportedForEveryTensor()
    {
        var (path, _) = _files.Write("partial.safetensors", ScalarType.Float32, ("fc1.weight", [4, 4]), ("fc1.bias", [4]));
        var seen = new List<LoadProgress>();
        HandWrittenModel model = OnMeta();
        model.DeclaredNew.Add("scale");
        ShardedLoader.Load(model, path, Single(new LoadOptions { Progress = new Collect(seen) }));
        Assert.Equal(3, seen.Count);
        Assert.All(seen, p => Assert.Equal(3, p.TensorsTotal));
        Assert.Equal(seen[^1].BytesTotal, seen[^1].BytesDone);
    }

    [Fact]
    public void AComputedBufferTheHookDoesNotFillIsReportedAsLeftOnMeta()
    {
        var (path, _) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        var model = MetaConstruction.Build(() => new ForgetfulModel());
        var error = Assert.Throws<LoadIncompleteException>(() => ShardedLoader.Load(model, path, Single()));
        Assert.Equal(["inv_freq"], error.Keys);
    }

    private sealed class Collect(List<LoadProgress> seen) : IProgress<LoadProgress>
    {
        public void Report(LoadProgress value) => seen.Add(value);
    }
}
