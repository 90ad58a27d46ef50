using Microsoft.CodeAnalysis;
using ModelGen.Generator.Tests.Infrastructure;

namespace ModelGen.Generator.Tests.Parsing;

/// <summary>
/// A layer argument passed into a helper as a parameter (<c>Proj(h, h, false)</c> with <c>hasBias: bias</c>) flows into
/// the layer's arguments: a <c>true</c> call's bias has a key the build checks, a <c>false</c> call's has none.
/// </summary>
public sealed class HelperArgumentTests
{
    private static string Model(string helper) => DemoSource.Usings + $$"""
        [ShardedModel]
        public partial class M : nn.Module<Tensor, Tensor>
        {
            private const long H = 4;
            private Linear off;
            private Linear on;
            private Sequential mlp = nn.Sequential(Proj(H, H, false), nn.ReLU(), Proj(H, H, true));
            public M() : base("M")
            {
                off = Proj(H, H, false);
                on = Proj(H, H, bias: true);
                RegisterComponents();
            }
            {{helper}}
            public override Tensor forward(Tensor x) => x;
        }
        """;

    private const string Named = "private static Linear Proj(long i, long o, bool bias) => nn.Linear(i, o, hasBias: bias);";
    private const string Positional = "private static Linear Proj(long i, long o, bool bias) { return nn.Linear(i, o, bias); }";
    private const string Nested = "private static Linear Proj(long i, long o, bool bias) => Inner(o, i, bias);\n    private static Linear Inner(long a, long b, bool c) => nn.Linear(b, a, hasBias: c);";

    private const string WithBiases = "off.weight F32 [4,4]\non.weight F32 [4,4]\non.bias F32 [4]\nmlp.0.weight F32 [4,4]\nmlp.2.weight F32 [4,4]\nmlp.2.bias F32 [4]\n";

    [Theory]
    [InlineData(Named)]
    [InlineData(Positional)]
    [InlineData(Nested)]
    public void MG0007_the_bias_of_a_true_call_and_nothing_for_a_false_one(string helper)
    {
        string source = Model(helper);
        string withoutBiases = WithBiases.Replace("on.bias F32 [4]\n", "").Replace("mlp.2.bias F32 [4]\n", "");

        var result = ShapeHarness.Run(source, withoutBiases);

        var missing = result.Reported.Where(d => d.Id == "MG0007").OrderBy(d => d.Location.SourceSpan.Start).ToList();
        Assert.Equal(["MG0007", "MG0007"], result.Reported.Select(d => d.Id));
        Assert.All(missing, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
        Assert.StartsWith("'on.bias' (parameter) is not in the checkpoint", missing[0].GetMessage());
        Assert.Equal(Positions.Of(source, "on;"), Positions.Start(missing[0]));
        Assert.StartsWith("'mlp.2.bias' (parameter) is not in the checkpoint", missing[1].GetMessage());
        Assert.Equal(Positions.Of(source, "Proj(H, H, true)"), Positions.Start(missing[1]));
        Assert.Empty(result.CompilerDiagnostics);
    }

    [Theory]
    [InlineData(Named)]
    [InlineData(Positional)]
    [InlineData(Nested)]
    public void The_corrected_checkpoint_is_clean_and_the_bias_shape_is_checked(string helper)
    {
        string source = Model(helper);

        GeneratorResult clean = ShapeHarness.Run(source, WithBiases);
        Assert.Empty(clean.Reported);
        Assert.Empty(clean.CompilerDiagnostics);
        string table = clean.Sources.Single(s => s.HintName.EndsWith(".Model.g.cs", StringComparison.Ordinal)).Source;
        Assert.DoesNotContain("\"off.bias\"", table);
        Assert.DoesNotContain("\"mlp.0.bias\"", table);
        Assert.Contains("KeyPattern(\"on.bias\", global::ModelGen.Mapping.TensorKind.Parameter, \"TorchSharp.Modules.Linear\", initializer: \"uniform(±1/sqrt(fan_in))\", optional: false,", table);

        Diagnostic shape = Assert.Single(ShapeHarness.Run(source, WithBiases.Replace("on.bias F32 [4]", "on.bias F32 [5]")).Reported);
        Assert.Equal("MG0020", shape.Id);
        Assert.Equal("Checkpoint key 'on.bias' has shape [5], but the model creates [H = 4]; dimension 0 is H = 4, the checkpoint's 5", shape.GetMessage());

        // A bias the false call turned off is in no key: the checkpoint's is unexpected.
        Diagnostic unexpected = Assert.Single(ShapeHarness.Run(source, WithBiases + "off.bias F32 [4]\n").Reported);
        Assert.Equal("MG0006", unexpected.Id);
        Assert.StartsWith("Checkpoint key 'off.bias'", unexpected.GetMessage());
    }
}
