using ModelGen.Generator.Tests.Infrastructure;

namespace ModelGen.Generator.Tests.Benchmarks;

/// <summary>
/// The parse step reads a target-typed <c>new(...)</c>'s boolean arguments from the created type's constructors
/// instead of binding the creation (the cost of an unrelated edit); these pin that the keys it decides are the ones
/// binding decides: literal and default arguments from declarations, everything else still by binding.
/// </summary>
public sealed class TargetTypedPresenceTests
{
    private const string Model = """
        using ModelGen;
        using ModelGen.Layers;
        using TorchSharp;
        using static TorchSharp.torch;

        namespace Presence;

        [ShardedModel]
        public partial class Norms : nn.Module<Tensor, Tensor>
        {
            private const bool Off = false;
            private static bool Runtime() => System.Environment.ProcessorCount > 0;
            private readonly RMSNorm by_default = new(4, 1e-6, device: torch.META);
            private readonly RMSNorm positional_off = new(4, 1e-6, false);
            private readonly RMSNorm positional_on = new(4, null, true, torch.META);
            private readonly RMSNorm constant_off = new(4, 1e-6, Off);
            private readonly RMSNorm named_constant_off = new(4, elementwiseAffine: Off);
            private readonly RMSNorm not_constant = new(4, 1e-6, Runtime());
            private readonly RMSNorm shape_array = new(new long[] { 4 }, 1e-6, false);
            public Norms() : base("Norms") => RegisterComponents();
            public override Tensor forward(Tensor x) => x;
        }
        """;

    private static string KeyTable() =>
        GeneratorHarness.Run(Model).Sources.Single(s => s.HintName.EndsWith(".ModelGen.Model.g.cs", StringComparison.Ordinal)).Source;

    [Theory]
    [InlineData("by_default")]
    [InlineData("positional_on")]
    public void An_affine_norm_keeps_its_weight(string field) =>
        Assert.Contains($"KeyPattern(\"{field}.weight\", global::ModelGen.Mapping.TensorKind.Parameter, \"ModelGen.Layers.RMSNorm\", initializer: \"ones\", optional: false,", KeyTable());

    [Theory]
    [InlineData("positional_off")]
    [InlineData("constant_off")]
    [InlineData("named_constant_off")]
    [InlineData("shape_array")]
    public void A_norm_turned_off_by_a_constant_has_no_weight(string field) =>
        Assert.DoesNotContain($"\"{field}.weight\"", KeyTable());

    [Fact]
    public void A_norm_turned_off_at_run_time_keeps_an_optional_weight() =>
        Assert.Contains("KeyPattern(\"not_constant.weight\", global::ModelGen.Mapping.TensorKind.Parameter, \"ModelGen.Layers.RMSNorm\", initializer: \"ones\", optional: true,", KeyTable());

    [Fact]
    public void The_model_compiles_without_diagnostics()
    {
        var result = GeneratorHarness.Run(Model);
        Assert.Empty(result.CompilerDiagnostics);
        Assert.Empty(result.Reported);
    }
}
