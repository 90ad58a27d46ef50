using Microsoft.CodeAnalysis;
using ModelGen.Generator.Tests.Infrastructure;
using ModelGen.Loading;
using ModelGen.Mapping;
using TorchSharp;

namespace ModelGen.Generator.Tests.Runtime;

/// <summary>
/// A layer built in a private helper method keeps nn.Linear's default <c>hasBias: true</c>: against a checkpoint
/// without biases the build reports the biases (MG0007, an error under the default key policy) and the load refuses,
/// instead of random-initializing them.
/// </summary>
[Collection(MetaConstructionCollection.Name)]
public sealed class HelperMethodBiasTests : IDisposable
{
    private const int Blocks = 16;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "modelgen-helper-bias", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static string Source(string helper) => $$"""
        using System.Linq;
        using ModelGen;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        namespace Demo;

        [ShardedModel]
        public sealed partial class M : nn.Module<Tensor, Tensor>
        {
            private readonly ModuleList<Block> layers;

            public M() : base("M")
            {
                layers = new ModuleList<Block>(Enumerable.Range(0, {{Blocks}}).Select(_ => new Block()).ToArray());
                RegisterComponents();
            }

            public override Tensor forward(Tensor x) => x;
        }

        public sealed partial class Block : nn.Module<Tensor, Tensor>
        {
            private readonly Linear proj;

            public Block() : base("Block")
            {
                proj = Projection(4, 4);
                RegisterComponents();
            }

            {{helper}}

            public override Tensor forward(Tensor x) => proj.forward(x);
        }
        """;

    private static (string Key, torch.ScalarType DType, long[] Shape)[] WeightsOnly() =>
        Enumerable.Range(0, Blocks).Select(i => ($"layers.{i}.proj.weight", torch.ScalarType.Float32, new long[] { 4, 4 })).ToArray();

    [Theory]
    [InlineData("private static Linear Projection(int input, int output) => nn.Linear(input, output);")]
    [InlineData("private static Linear Projection(int input, int output)\n    {\n        Linear layer = nn.Linear(input, output);\n        return layer;\n    }")]
    [InlineData("private Linear Projection(int input, int output) { return nn.Linear(input, output, hasBias: true); }")]
    public void Default_bias_in_a_helper_is_reported_at_build_and_refused_at_load(string helper)
    {
        GeneratorResult result = ShapeHarness.Run(Source(helper), CompiledModels.Manifest(WeightsOnly()));

        Diagnostic missing = Assert.Single(result.Reported, d => d.Id == "MG0007");
        Assert.Equal(DiagnosticSeverity.Error, missing.Severity);
        Assert.StartsWith("'layers.{i}.proj.bias' (parameter) is not in the checkpoint", missing.GetMessage());
        Assert.Empty(result.Reported.Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "MG0007").Select(d => d.ToString()));

        IShardedModel model = CompiledModels.BuildOnMeta(CompiledModels.Emit(result), "Demo.M");
        string checkpoint = CompiledModels.WriteCheckpoint(_folder, "weights-only", WeightsOnly());
        var refused = Assert.Throws<CheckpointMismatchException>(() => ShardedLoader.Load(model, checkpoint));
        Assert.Equal(Enumerable.Range(0, Blocks).Select(i => $"layers.{i}.proj.bias").Order(StringComparer.Ordinal), refused.MissingKeys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_helper_that_turns_the_bias_off_builds_clean_and_loads()
    {
        const string helper = "private static Linear Projection(int input, int output) => nn.Linear(input, output, hasBias: false);";
        GeneratorResult result = ShapeHarness.Run(Source(helper), CompiledModels.Manifest(WeightsOnly()));
        Assert.Empty(result.Reported.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()));

        IShardedModel model = CompiledModels.BuildOnMeta(CompiledModels.Emit(result), "Demo.M");
        string checkpoint = CompiledModels.WriteCheckpoint(_folder, "weights-only", WeightsOnly());
        LoadReport report = ShardedLoader.Load(model, checkpoint);
        Assert.Equal(Blocks, report.LoadedKeys.Count);
    }
}
