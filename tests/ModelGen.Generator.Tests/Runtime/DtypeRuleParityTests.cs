using Microsoft.CodeAnalysis;
using ModelGen.Generator.Tests.Infrastructure;
using ModelGen.Loading;
using ModelGen.Mapping;
using TorchSharp;

namespace ModelGen.Generator.Tests.Runtime;

/// <summary>
/// The build's MG0023 follows the loader's conversion rule (one shared source file): integer into another integer
/// type loads, so the build stays quiet; integer into floating point is refused by both.
/// </summary>
[Collection(MetaConstructionCollection.Name)]
public sealed class DtypeRuleParityTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "modelgen-dtype-rule", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static string Source(string dtype) => $$"""
        using ModelGen;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        namespace Demo;

        [ShardedModel]
        public sealed partial class M : nn.Module<Tensor, Tensor>
        {
            private Parameter counts = new Parameter(torch.zeros(2, 3, dtype: ScalarType.{{dtype}}), requires_grad: false);

            public M() : base("M") => RegisterComponents();

            public override Tensor forward(Tensor x) => x;
        }
        """;

    [Fact]
    public void I8_into_Int32_builds_clean_and_loads_converted()
    {
        (string, torch.ScalarType, long[])[] tensors = [("counts", torch.ScalarType.Int8, [2, 3])];
        GeneratorResult result = ShapeHarness.Run(Source("Int32"), CompiledModels.Manifest(tensors));
        Assert.DoesNotContain(result.Reported, d => d.Id == "MG0023");

        IShardedModel model = CompiledModels.BuildOnMeta(CompiledModels.Emit(result), "Demo.M");
        LoadReport report = ShardedLoader.Load(model, CompiledModels.WriteCheckpoint(_folder, "int8", tensors));
        Assert.Equal(["counts"], report.LoadedKeys);
        Assert.Equal(torch.ScalarType.Int32, model.GetTensorSlots().Single().Get()!.dtype);
    }

    [Fact]
    public void I8_into_Float32_is_MG0023_and_refused()
    {
        (string, torch.ScalarType, long[])[] tensors = [("counts", torch.ScalarType.Int8, [2, 3])];
        GeneratorResult result = ShapeHarness.Run(Source("Float32"), CompiledModels.Manifest(tensors));
        Diagnostic d = Assert.Single(result.Reported, x => x.Id == "MG0023");
        Assert.Equal("Checkpoint key 'counts' is I8, which the loader cannot convert into the Float32 of 'M.counts' (the loader converts floating point only into floating point, and other types not into floating point)", d.GetMessage());

        IShardedModel model = CompiledModels.BuildOnMeta(CompiledModels.Emit(result), "Demo.M");
        var refused = Assert.Throws<CheckpointMismatchException>(() => ShardedLoader.Load(model, CompiledModels.WriteCheckpoint(_folder, "int8", tensors)));
        Assert.Contains(refused.Problems, p => p.Contains("checkpoint dtype I8 cannot be converted to the model's Float32", StringComparison.Ordinal));
    }
}
