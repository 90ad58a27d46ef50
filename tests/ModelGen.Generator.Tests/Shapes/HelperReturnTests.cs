using Microsoft.CodeAnalysis;
using ModelGen.Generator.Tests.Infrastructure;

namespace ModelGen.Generator.Tests.Shapes;

/// <summary>
/// Helper methods with several <c>return</c>s: every return is evaluated; values they agree on are checked, a value
/// they disagree on is not known at build time and shows in the MG0026 summary (no return is picked).
/// </summary>
public sealed class HelperReturnTests
{
    private static string Model(string call, string helper) => DemoSource.Usings + $$"""
        [ShardedModel]
        public partial class M : nn.Module<Tensor, Tensor>
        {
            private Linear proj;
            public M(bool big) : base("M") { proj = {{call}}; RegisterComponents(); }
            {{helper}}
            public override Tensor forward(Tensor x) => x;
        }
        """;

    private const string Agreeing = """
        private static Linear Proj(long i, long o, bool frozen)
            {
                if (frozen)
                {
                    Linear layer = nn.Linear(i, o, hasBias: false);
                    layer.weight!.requires_grad = false;
                    return layer;
                }
                return nn.Linear(i, o, hasBias: false);
            }
        """;

    private const string Disagreeing = """
        private static Linear Proj(long i, bool big)
            {
                if (big) return nn.Linear(i, 16, hasBias: false);
                return nn.Linear(i, 8, hasBias: false);
            }
        """;

    [Fact]
    public void MG0020_returns_that_agree_give_their_value()
    {
        string source = Model("Proj(4, 8, big)", Agreeing);

        Diagnostic d = Assert.Single(ShapeHarness.Run(source, "proj.weight F32 [6,4]\n").Reported);

        Assert.Equal("MG0020", d.Id);
        Assert.Equal("Checkpoint key 'proj.weight' has shape [6, 4], but the model creates [8, 4]; dimension 0 is 8, the checkpoint's 6", d.GetMessage());
        Assert.Equal(Positions.Of(source, "8, big)"), Positions.Start(d));
        Assert.Empty(ShapeHarness.Run(source, "proj.weight F32 [8,4]\n").Reported);
    }

    [Fact]
    public void MG0026_returns_that_disagree_leave_that_dimension_unknown()
    {
        string source = Model("Proj(4, big)", Disagreeing);

        // Neither 8 nor 16 is picked: the checkpoint's 8 and 16 both go unreported, and the summary says why.
        foreach (string manifest in new[] { "proj.weight F32 [8,4]\n", "proj.weight F32 [16,4]\n" })
        {
            var result = ShapeHarness.Run(source, manifest);

            Diagnostic d = Assert.Single(result.Reported);
            Assert.Equal("MG0026", d.Id);
            Assert.Equal(DiagnosticSeverity.Info, d.Severity);
            Assert.Equal("Shapes of 'Demo.M' checked for 0 of 1 checkpoint keys in '/ckpt/m.manifest'; not checkable: "
                + "'proj.weight' ('Proj returns 16 or 8' is not known at build time)", d.GetMessage());
            Assert.Equal(Positions.Of(source, "M : nn"), Positions.Start(d));
            Assert.Empty(result.CompilerDiagnostics);
        }
    }

    [Fact]
    public void A_dimension_the_returns_agree_on_is_still_evaluated()
    {
        string source = Model("Proj(4, big)", Disagreeing);

        // Dimension 1 (i = 4) is the same in both returns, but the key is checked only when every dimension is known.
        var wrongRank = ShapeHarness.Run(source, "proj.weight F32 [4]\n");

        Diagnostic d = Assert.Single(wrongRank.Reported);
        Assert.Equal("MG0020", d.Id);
        Assert.Equal("Checkpoint key 'proj.weight' has shape [4], but the model creates [Proj returns 16 or 8 (not known at build time), 4]; the model's tensor has 2 dimensions, the checkpoint's 1", d.GetMessage());
    }

    [Fact]
    public void Returns_that_disagree_on_the_bias_make_it_optional()
    {
        string source = Model("Proj(4, big)", """
            private static Linear Proj(long i, bool big)
                {
                    if (big) return nn.Linear(i, 8);
                    return nn.Linear(i, 8, hasBias: false);
                }
            """);

        var result = ShapeHarness.Run(source, "proj.weight F32 [8,4]\n");

        Assert.Empty(result.Reported);
        string table = result.Sources.Single(s => s.HintName.EndsWith(".Model.g.cs", StringComparison.Ordinal)).Source;
        Assert.Contains("KeyPattern(\"proj.bias\", global::ModelGen.Mapping.TensorKind.Parameter, \"TorchSharp.Modules.Linear\", initializer: \"uniform(±1/sqrt(fan_in))\", optional: true,", table);
        Diagnostic shape = Assert.Single(ShapeHarness.Run(source, "proj.weight F32 [8,3]\n").Reported);
        Assert.Equal("MG0020", shape.Id);
    }
}
