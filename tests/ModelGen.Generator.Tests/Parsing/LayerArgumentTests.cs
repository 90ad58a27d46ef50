using ModelGen.Generator.Tests.Infrastructure;

namespace ModelGen.Generator.Tests.Parsing;

/// <summary>Optional layer tensors: decided by constant constructor arguments wherever the layer is created.</summary>
public sealed class LayerArgumentTests
{
    private static string KeyTableSource(string members, string constructorBody = "")
    {
        string source = $$"""
            using ModelGen;
            using TorchSharp;
            using TorchSharp.Modules;
            using static TorchSharp.torch;
            namespace Demo;
            [ShardedModel]
            public partial class M : nn.Module<Tensor, Tensor>
            {
                private const bool NoBias = false;
            {{members}}
                public M(bool flag) : base("M") { {{constructorBody}} RegisterComponents(); }
                public override Tensor forward(Tensor x) => x;
            }
            """;
        var result = GeneratorHarness.Run(source);
        Assert.Empty(result.CompilerDiagnostics);
        return result.Sources.Single(s => s.HintName.EndsWith(".Model.g.cs", StringComparison.Ordinal)).Source;
    }

    private static string Row(string pattern, bool optional) =>
        $"KeyPattern(\"{pattern}\", global::ModelGen.Mapping.TensorKind.Parameter, \"TorchSharp.Modules.Linear\", initializer: \"uniform(±1/sqrt(fan_in))\", optional: {(optional ? "true" : "false")},";

    [Fact]
    public void Named_literal_positional_constant_and_default_arguments()
    {
        string table = KeyTableSource("""
                private Linear named = nn.Linear(2, 2, hasBias: false);
                private Linear positional = nn.Linear(2, 2, false);
                private Linear constant = nn.Linear(2, 2, hasBias: NoBias);
                private Linear defaulted = nn.Linear(2, 2);
                private Linear parenthesized = (nn.Linear(2, 2, hasBias: false));
            """);

        Assert.DoesNotContain("\"named.bias\"", table);
        Assert.DoesNotContain("\"positional.bias\"", table);
        Assert.DoesNotContain("\"constant.bias\"", table);
        Assert.DoesNotContain("\"parenthesized.bias\"", table);
        Assert.Contains(Row("defaulted.bias", optional: false), table);
    }

    [Fact]
    public void Constructor_assignments_count_and_disagreeing_or_unknown_sites_make_the_key_optional_and_helpers_are_followed()
    {
        string table = KeyTableSource("""
                private Linear assigned;
                private Linear twice = nn.Linear(2, 2);
                private Linear dynamic;
                private Linear helper;
                private static Linear Make() => nn.Linear(2, 2);
            """, "assigned = nn.Linear(2, 2, hasBias: false); this.twice = nn.Linear(2, 2, hasBias: false); dynamic = nn.Linear(2, 2, hasBias: flag); helper = Make();");

        Assert.DoesNotContain("\"assigned.bias\"", table);
        Assert.Contains(Row("twice.bias", optional: true), table);
        Assert.Contains(Row("dynamic.bias", optional: true), table);
        // Make() returns nn.Linear(2, 2): the default hasBias (true) decides, so the bias is a key like any other.
        Assert.Contains(Row("helper.bias", optional: false), table);
    }
}
