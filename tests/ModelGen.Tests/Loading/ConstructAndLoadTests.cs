using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Tests.Loading;

/// <summary>
/// <see cref="ShardedLoader.ConstructAndLoad{T}"/> in one process: the model is built on the meta device and loaded as
/// building and then loading would, the construction's time is reported apart, and a factory or checkpoint that fails
/// leaves nothing half-loaded behind.
/// </summary>
public sealed class ConstructAndLoadTests : IDisposable
{
    private readonly CheckpointFixture _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void TheModelIsBuiltOnTheMetaDeviceAndLoadedFromTheFile()
    {
        var (path, written) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        Device? buildDevice = null;

        (HandWrittenModel model, LoadReport report) = ShardedLoader.ConstructAndLoad(() =>
        {
            buildDevice = get_default_device();
            return new HandWrittenModel(ScalarType.Float32);
        }, path, new LoadOptions { ProcessGroup = ProcessGroups.Single() });

        Assert.Equal(DeviceType.META, buildDevice!.type);
        Assert.Equal(DeviceType.CPU, get_default_device().type);
        TensorAssert.Equal(written["fc1.weight"], model.fc1.weight!);
        TensorAssert.Equal(written["scale"], model.scale);
        Assert.Empty(model.InitCalls);
        Assert.Equal(["fc1.bias", "fc1.weight", "scale"], report.LoadedKeys.Order(StringComparer.Ordinal));
        Assert.True(report.ConstructSeconds > 0);
        Assert.Equal("catalog", report.PhaseSeconds[0].Key);
    }

    [Fact]
    public void TheConstructionsTimeIsReportedApartFromTheLoads()
    {
        var (path, _) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());

        (_, LoadReport report) = ShardedLoader.ConstructAndLoad(() =>
        {
            Thread.Sleep(500);
            return new HandWrittenModel(ScalarType.Float32);
        }, path, new LoadOptions { ProcessGroup = ProcessGroups.Single() });

        Assert.InRange(report.ConstructSeconds, 0.5, 30);
        // The load's own clock starts after the construction: its phases add up to its Seconds, not to the sleep.
        Assert.True(report.Seconds < report.ConstructSeconds, $"load {report.Seconds:F3} s, construction {report.ConstructSeconds:F3} s");
        Assert.InRange(report.PhaseSeconds.Sum(p => p.Value), 0, report.Seconds);
    }

    [Fact]
    public void AFactoryThatThrowsIsTheAgreedErrorAndTheDefaultDeviceIsRestored()
    {
        var (path, _) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());

        var e = Assert.Throws<DistributedLoadException>(() => ShardedLoader.ConstructAndLoad<HandWrittenModel>(
            () => throw new InvalidOperationException("no such layer size"), path, new LoadOptions { ProcessGroup = ProcessGroups.Single() }));

        Assert.Contains("no such layer size", e.Message);
        Assert.Equal(0, e.FailingRank);
        Assert.Equal(DeviceType.CPU, get_default_device().type);
    }

    [Fact]
    public void ABrokenCheckpointIsItsOwnTypedErrorAfterTheModelWasBuilt()
    {
        var (path, _) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^8]);
        bool built = false;

        var e = Assert.ThrowsAny<SafeTensorsException>(() => ShardedLoader.ConstructAndLoad(() =>
        {
            built = true;
            return new HandWrittenModel(ScalarType.Float32);
        }, path, new LoadOptions { ProcessGroup = ProcessGroups.Single() }));

        Assert.True(built);
        Assert.Contains(Path.GetFileName(path), e.Message);
        // Once the file is whole again, the same call loads it.
        File.WriteAllBytes(path, bytes);
        (_, LoadReport report) = ShardedLoader.ConstructAndLoad(() => new HandWrittenModel(ScalarType.Float32), path,
            new LoadOptions { ProcessGroup = ProcessGroups.Single() });
        Assert.Equal(3, report.LoadedKeys.Count);
    }
}
