using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.SafeTensors;
using static TorchSharp.torch;
using HubCacheFolder = ModelGen.Tests.SafeTensors.HubCacheFolder;

namespace ModelGen.Tests.Loading;

/// <summary>The loader on checkpoints in the Hugging Face cache layout, with the default options (mapping on).</summary>
public sealed class HubCacheLoadTests : IDisposable
{
    private readonly CheckpointFixture _files = new();
    private readonly HubCacheFolder _cache = new();

    public void Dispose()
    {
        _cache.Dispose();
        _files.Dispose();
    }

    private static HandWrittenModel OnMeta() => MetaConstruction.Build(() => new HandWrittenModel(ScalarType.Float32));

    private static LoadOptions Defaults() => new() { ProcessGroup = ProcessGroups.Single() };

    [Fact]
    public void ASymbolicallyLinkedSingleFileLoadsMappedFromItsTarget()
    {
        if (OperatingSystem.IsWindows())
            return;
        var (path, written) = _files.Write(SafeTensorsCheckpoint.SingleFileName, ScalarType.Float32, CheckpointFixture.FullModel());
        string link = _cache.Adopt(path, SafeTensorsCheckpoint.SingleFileName);
        HandWrittenModel model = OnMeta();

        LoadReport report = ShardedLoader.Load(model, link, Defaults());

        Assert.Equal(report.ParameterBytes, report.MappedBytes);
        TensorAssert.Equal(written["fc1.weight"], model.fc1.weight!);
        TensorAssert.Equal(written["fc1.bias"], model.fc1.bias!);
        TensorAssert.Equal(written["scale"], model.scale);
    }

    [Fact]
    public void AShardedSnapshotLoadsMappedThroughItsLinks()
    {
        if (OperatingSystem.IsWindows())
            return;
        manual_seed(5);
        var tensors = CheckpointFixture.FullModel().ToDictionary(e => e.Key, e => randn(e.Shape));
        string written = Path.Combine(_files.Folder, "sharded");
        SafeTensorsShardedWriteResult result = SafeTensorsShardedWriter.Write(written, tensors, maxShardBytes: 64);
        Assert.True(result.ShardPaths.Count > 1);
        _cache.Adopt(written);
        HandWrittenModel model = OnMeta();

        LoadReport report = ShardedLoader.Load(model, _cache.Snapshot, Defaults());

        Assert.Equal(["fc1.bias", "fc1.weight", "scale"], report.LoadedKeys.Order(StringComparer.Ordinal));
        Assert.Equal(report.ParameterBytes, report.MappedBytes);
        TensorAssert.Equal(tensors["fc1.weight"], model.fc1.weight!);
        TensorAssert.Equal(tensors["scale"], model.scale);
    }
}
