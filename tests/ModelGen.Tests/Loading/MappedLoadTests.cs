using System.Security.Cryptography;
using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.SafeTensors;
using static TorchSharp.torch;

namespace ModelGen.Tests.Loading;

/// <summary>Rank 0's loaded tensors share pages with the checkpoint file (copy-on-write) unless told otherwise.</summary>
public sealed class MappedLoadTests : IDisposable
{
    private readonly CheckpointFixture _files = new();

    public void Dispose() => _files.Dispose();

    private static HandWrittenModel OnMeta() => MetaConstruction.Build(() => new HandWrittenModel(ScalarType.Float32));

    private static LoadOptions Single(bool map = true, ScalarType? dtype = null) =>
        new() { ProcessGroup = ProcessGroups.Single(), MapCheckpoint = map, DType = dtype };

    [Fact]
    public void LoadedTensorsAreMappedByDefaultAndEqualTheFile()
    {
        var (path, written) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        HandWrittenModel model = OnMeta();

        LoadReport report = ShardedLoader.Load(model, path, new LoadOptions { ProcessGroup = ProcessGroups.Single() });

        Assert.Equal(report.ParameterBytes, report.MappedBytes);
        Assert.Equal("none", report.Transport);
        TensorAssert.Equal(written["fc1.weight"], model.fc1.weight!);
        TensorAssert.Equal(written["scale"], model.scale);
        Assert.Empty(model.InitCalls);
    }

    [Fact]
    public void WritingToAMappedParameterChangesTheParameterButNeverTheFile()
    {
        var (path, written) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        byte[] before = SHA256.HashData(File.ReadAllBytes(path));
        HandWrittenModel model = OnMeta();
        ShardedLoader.Load(model, path, Single());

        using (no_grad())
            model.fc1.weight!.add_(1);

        using Tensor expected = written["fc1.weight"] + 1;
        TensorAssert.Equal(expected, model.fc1.weight!);
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(path)));
    }

    [Fact]
    public void AMappedModelTrainsAndTheOptimizerStepNeverReachesTheFile()
    {
        var (path, written) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        byte[] before = SHA256.HashData(File.ReadAllBytes(path));
        HandWrittenModel model = OnMeta();
        ShardedLoader.Load(model, path, Single());
        var optimizer = optim.SGD(model.parameters(), learningRate: 0.1);

        using Tensor x = ones(2, HandWrittenModel.Width);
        using Tensor loss = model.forward(x).pow(2).sum();
        loss.backward();
        optimizer.step();

        Assert.NotNull(model.fc1.weight!.grad);
        Assert.False(model.fc1.weight!.detach().eq(written["fc1.weight"]).all().item<bool>());
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(path)));
    }

    [Fact]
    public void ReplacingTheFileByRenameLeavesTheLoadedValuesAlone()
    {
        var (path, written) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        HandWrittenModel model = OnMeta();
        ShardedLoader.Load(model, path, Single());

        // The writer replaces the file by renaming a new one over it: the mapping keeps the old file's pages.
        SafeTensorsWriter.Write(path, written.ToDictionary(p => p.Key, p => zeros_like(p.Value)));

        TensorAssert.Equal(written["fc1.weight"], model.fc1.weight!);
        TensorAssert.Equal(written["fc1.bias"], model.fc1.bias!);
    }

    [Fact]
    public void WithMappingOffTheTensorsAreCopies()
    {
        var (path, written) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        HandWrittenModel model = OnMeta();

        LoadReport report = ShardedLoader.Load(model, path, Single(map: false));

        Assert.Equal(0, report.MappedBytes);
        TensorAssert.Equal(written["fc1.weight"], model.fc1.weight!);
    }

    [Fact]
    public void TensorsConvertedToAnotherDTypeAreReadNotMapped()
    {
        var (path, written) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        HandWrittenModel model = OnMeta();

        LoadReport report = ShardedLoader.Load(model, path, Single(dtype: ScalarType.Float64));

        Assert.Equal(0, report.MappedBytes);
        Assert.Equal(ScalarType.Float64, model.fc1.weight!.dtype);
        using Tensor expected = written["fc1.weight"].to(ScalarType.Float64);
        TensorAssert.Equal(expected, model.fc1.weight!);
    }
}
