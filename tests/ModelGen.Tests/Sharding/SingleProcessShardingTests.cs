using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.Sharding;
using ModelGen.Tests.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Tests.Sharding;

/// <summary>Fully sharded placement in one process: one rank holds every row, and everything else behaves as replicated.</summary>
public sealed class SingleProcessShardingTests : IDisposable
{
    private readonly CheckpointFixture _files = new();

    public void Dispose() => _files.Dispose();

    private static LoadOptions Sharded(bool map = true, IReadOnlyList<string>? replicated = null) => new()
    {
        ProcessGroup = ProcessGroups.Single(),
        Placement = TensorPlacement.FullyShard,
        MapCheckpoint = map,
        ReplicatedKeys = replicated ?? [],
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void OneRankHoldsEveryRowAndTheValuesOfTheFile(bool map)
    {
        var (path, written) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        HandWrittenModel model = MetaConstruction.Build(() => new HandWrittenModel());

        LoadReport report = ShardedLoader.Load(model, path, Sharded(map));

        Assert.Equal(TensorPlacement.FullyShard, report.Placement);
        ModelSharding sharding = Assert.IsType<ModelSharding>(report.Sharding);
        Assert.Same(sharding, ModelSharding.Of(model));
        Assert.Equal(["fc1.bias", "fc1.weight", "scale"], sharding.Sharded.Select(s => s.Key).Order(StringComparer.Ordinal));
        Assert.All(sharding.Sharded, s => Assert.Equal((0L, s.GlobalShape[0], s.GlobalShape[0]), (s.RowStart, s.RowCount, s.ChunkRows)));
        Assert.Same(sharding.Find("fc1.weight"), sharding.Find("head.weight"));
        Assert.Null(sharding.Find("inv_freq"));
        TensorAssert.Equal(written["fc1.weight"], model.fc1.weight!);
        TensorAssert.Equal(written["scale"], model.scale);
        Assert.Same(model.fc1.weight, model.head.weight);
        Assert.Equal(0, report.ReceivedBytes);
        Assert.Equal(map ? report.ParameterBytes : 0, report.MappedBytes);
        Assert.Empty(model.InitCalls);
    }

    [Fact]
    public void AReplicatedLoadHasNoSharding()
    {
        var (path, _) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        HandWrittenModel model = MetaConstruction.Build(() => new HandWrittenModel());

        LoadReport report = ShardedLoader.Load(model, path, new LoadOptions { ProcessGroup = ProcessGroups.Single() });

        Assert.Equal(TensorPlacement.Replicated, report.Placement);
        Assert.Null(report.Sharding);
        Assert.Null(ModelSharding.Of(model));
        Assert.Throws<InvalidOperationException>(() => ShardedForward.Attach(model));
    }

    [Fact]
    public void KeysDeclaredReplicatedAreNotSharded()
    {
        var (path, _) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        HandWrittenModel model = MetaConstruction.Build(() => new HandWrittenModel());

        LoadReport report = ShardedLoader.Load(model, path, Sharded(replicated: ["fc1.*"]));

        Assert.Equal(["scale"], report.Sharding!.Sharded.Select(s => s.Key));
    }

    [Fact]
    public void TheModelCanDeclareKeysThatStayReplicated()
    {
        var (path, written) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        HandWrittenModel model = MetaConstruction.Build(() => new HandWrittenModel());
        model.Replicated.Add("scale");

        LoadReport report = ShardedLoader.Load(model, path, Sharded(replicated: ["fc1.bias"]));

        Assert.Equal(["fc1.weight"], report.Sharding!.Sharded.Select(s => s.Key));
        Assert.Null(report.Sharding.Find("scale"));
        TensorAssert.Equal(written["scale"], model.scale);
    }

    [Fact]
    public void AMissingTensorIsInitializedAsInAReplicatedLoadOnTheSameSeed()
    {
        var (path, _) = _files.Write("part.safetensors", ScalarType.Float32, ("fc1.weight", [4, 4]), ("scale", [4]));
        HandWrittenModel replicated = MetaConstruction.Build(() => new HandWrittenModel { MissingKeys = MissingKeyPolicy.Initialize });
        HandWrittenModel sharded = MetaConstruction.Build(() => new HandWrittenModel { MissingKeys = MissingKeyPolicy.Initialize });

        torch.manual_seed(5);
        ShardedLoader.Load(replicated, path, new LoadOptions { ProcessGroup = ProcessGroups.Single() });
        torch.manual_seed(5);
        LoadReport report = ShardedLoader.Load(sharded, path, Sharded());

        Assert.Equal(["fc1.bias"], report.InitializedKeys);
        TensorAssert.Equal(replicated.fc1.bias!, sharded.fc1.bias!);
    }

    [Fact]
    public void TheShardedForwardPassComputesTheReplicatedOutputAndRefusesGradients()
    {
        var (path, _) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        HandWrittenModel replicated = MetaConstruction.Build(() => new HandWrittenModel());
        HandWrittenModel sharded = MetaConstruction.Build(() => new HandWrittenModel());
        ShardedLoader.Load(replicated, path, new LoadOptions { ProcessGroup = ProcessGroups.Single() });
        ShardedLoader.Load(sharded, path, Sharded());
        using Tensor input = torch.ones(2, HandWrittenModel.Width);

        using ShardedForward forward = ShardedForward.Attach(sharded);
        using (torch.no_grad())
        {
            using Tensor expected = replicated.call(input);
            using Tensor actual = sharded.call(input);
            TensorAssert.Equal(expected, actual);
        }

        ShardedUnit root = Assert.Single(forward.Units);
        Assert.Equal("", root.Name);
        Assert.True(forward.PeakGatheredBytes > 0);
        Assert.Throws<InvalidOperationException>(() => sharded.call(input));
    }

    [Fact]
    public void AUnitThatIsNotAModuleOfTheModelIsRefused()
    {
        var (path, _) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        HandWrittenModel model = MetaConstruction.Build(() => new HandWrittenModel());
        ShardedLoader.Load(model, path, Sharded());

        var e = Assert.Throws<ArgumentException>(() => ShardedForward.Attach(model, new ShardedForwardOptions { Units = ["layers.0"] }));
        Assert.Contains("'layers.0'", e.Message);
    }
}
