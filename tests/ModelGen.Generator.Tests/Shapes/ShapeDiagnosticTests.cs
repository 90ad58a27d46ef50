using Microsoft.CodeAnalysis;
using ModelGen.Generator.Tests.Infrastructure;

namespace ModelGen.Generator.Tests.Shapes;

/// <summary>
/// Shapes, list lengths, dtypes and ties checked at build time: for each kind of mismatch, the bad model gets the
/// exact diagnostic at the C# expression that decides it, and the corrected model gets none.
/// </summary>
public sealed class ShapeDiagnosticTests
{
    private const string Usings = """
        using System.Linq;
        using ModelGen;
        using ModelGen.Layers;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;
        namespace Demo;

        """;

    private static string Model(string members, string extraTypes = "", string constructor = "public M() : base(\"M\") => RegisterComponents();") => Usings + $$"""
        [ShardedModel]
        public partial class M : nn.Module<Tensor, Tensor>
        {
        {{members}}
            {{constructor}}
            public override Tensor forward(Tensor x) => x;
        }
        {{extraTypes}}
        """;

    private static void AssertAt(Diagnostic diagnostic, string source, string marker, int offset = 0)
    {
        Assert.Equal("Models.cs", Positions.PathOf(diagnostic));
        Assert.Equal(Positions.Of(source, marker, offset), Positions.Start(diagnostic));
    }

    private static void AssertClean(GeneratorResult result)
    {
        Assert.Empty(result.Reported);
        Assert.Empty(result.CompilerDiagnostics);
    }

    [Fact]
    public void MG0020_literal_linear_against_a_checkpoint_of_another_shape()
    {
        string bad = Model("    private Linear proj = nn.Linear(2, 4, hasBias: false);");
        string good = Model("    private Linear proj = nn.Linear(2, 3, hasBias: false);");
        const string manifest = "proj.weight F32 [3,2]\n";

        var result = ShapeHarness.Run(bad, manifest);

        Diagnostic d = Assert.Single(result.Reported);
        Assert.Equal("MG0020", d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal("Checkpoint key 'proj.weight' has shape [3, 2], but the model creates [4, 2]; dimension 0 is 4, the checkpoint's 3", d.GetMessage());
        AssertAt(d, bad, "4, hasBias");
        AssertClean(ShapeHarness.Run(good, manifest));
    }

    [Fact]
    public void MG0020_a_rank_difference_is_reported_at_the_field()
    {
        string bad = Model("    private LayerNorm norm = nn.LayerNorm(new long[] { 2, 3 });");
        var result = ShapeHarness.Run(bad, "norm.weight F32 [6]\nnorm.bias F32 [6]\n");

        var diagnostics = result.Reported.Where(d => d.Id == "MG0020").ToList();
        Assert.Equal(2, diagnostics.Count);
        Assert.Equal("Checkpoint key 'norm.weight' has shape [6], but the model creates [2, 3]; the model's tensor has 2 dimensions, the checkpoint's 1", diagnostics[0].GetMessage());
        AssertAt(diagnostics[0], bad, "norm =");
        AssertClean(ShapeHarness.Run(bad, "norm.weight F32 [2,3]\nnorm.bias F32 [2,3]\n"));
    }

    private const string Block = """
        public partial class Block : nn.Module<Tensor, Tensor>
        {
            private RMSNorm norm = new RMSNorm(4);
            public Block() : base("B") => RegisterComponents();
            public override Tensor forward(Tensor x) => x;
        }
        """;

    private static string Layers(int count) => Model(
        $"    private ModuleList<Block> layers = new ModuleList<Block>(Enumerable.Range(0, {count}).Select(_ => new Block()).ToArray());", Block);

    private const string ThreeLayers = "layers.0.norm.weight F32 [4]\nlayers.1.norm.weight F32 [4]\nlayers.2.norm.weight F32 [4]\n";

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void MG0022_fewer_or_more_layers_than_the_checkpoint(int count)
    {
        string bad = Layers(count);

        Diagnostic d = Assert.Single(ShapeHarness.Run(bad, ThreeLayers).Reported);

        Assert.Equal("MG0022", d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal($"Module list 'layers' gets {count} entries in the model but the checkpoint has 3 (indices 0 to 2, for example 'layers.2.norm.weight')", d.GetMessage());
        AssertAt(d, bad, $"{count}).Select");
        AssertClean(ShapeHarness.Run(Layers(3), ThreeLayers));
    }

    [Fact]
    public void MG0022_a_for_loop_of_Add_and_a_list_initializer_count_too()
    {
        string loop = Model("    private ModuleList<Block> layers = new ModuleList<Block>();", Block,
            "public M() : base(\"M\") { for (int i = 0; i < 2; i++) layers.Add(new Block()); RegisterComponents(); }");
        string initializer = Model("    private ModuleList<Block> layers = new ModuleList<Block>(new Block(), new Block(), new Block());", Block);

        Diagnostic d = Assert.Single(ShapeHarness.Run(loop, ThreeLayers).Reported);
        Assert.Equal("MG0022", d.Id);
        AssertAt(d, loop, "2; i++");
        AssertClean(ShapeHarness.Run(initializer, ThreeLayers));
    }

    private static string Experts(int experts) => Model($"    private Moe mlp = new Moe(4, {experts});", """
        public partial class Moe : nn.Module<Tensor, Tensor>
        {
            private Linear gate;
            private ModuleList<Expert> experts;
            public Moe(int hidden, int count) : base("Moe")
            {
                gate = nn.Linear(hidden, count, hasBias: false);
                experts = new ModuleList<Expert>(Enumerable.Range(0, count).Select(_ => new Expert(hidden, 2)).ToArray());
                RegisterComponents();
            }
            public override Tensor forward(Tensor x) => x;
        }
        public partial class Expert : nn.Module<Tensor, Tensor>
        {
            private Linear up;
            public Expert(int hidden, int width) : base("E") { up = nn.Linear(hidden, width, hasBias: false); RegisterComponents(); }
            public override Tensor forward(Tensor x) => x;
        }
        """);

    [Fact]
    public void MG0022_twice_the_experts_is_reported_at_the_argument_passed_down()
    {
        string manifest = "mlp.gate.weight F32 [2,4]\nmlp.experts.0.up.weight F32 [2,4]\nmlp.experts.1.up.weight F32 [2,4]\n";
        string bad = Experts(4);

        var result = ShapeHarness.Run(bad, manifest);

        Diagnostic list = Assert.Single(result.Reported, d => d.Id == "MG0022");
        Assert.Equal("Module list 'mlp.experts' gets 4 entries in the model but the checkpoint has 2 (indices 0 to 1, for example 'mlp.experts.1.up.weight')", list.GetMessage());
        AssertAt(list, bad, "4);");
        Diagnostic gate = Assert.Single(result.Reported, d => d.Id == "MG0020");
        Assert.Equal("Checkpoint key 'mlp.gate.weight' has shape [2, 4], but the model creates [4, 4]; dimension 0 is 4, the checkpoint's 2", gate.GetMessage());
        Assert.Equal(2, result.Reported.Length);
        AssertClean(ShapeHarness.Run(Experts(2), manifest));
    }

    private const string ConfigType = """
        public sealed class Config
        {
            [System.Text.Json.Serialization.JsonPropertyName("hidden_size")]
            public int Hidden { get; init; }
            [System.Text.Json.Serialization.JsonPropertyName("intermediate_size")]
            public int Intermediate { get; init; }
            [System.Text.Json.Serialization.JsonPropertyName("num_attention_heads")]
            public int Heads { get; init; }
            [System.Text.Json.Serialization.JsonPropertyName("head_dim")]
            public int HeadDim { get; init; }
        }
        """;

    private static string Mlp(string gateWidth, string upWidth, string down) => Model(
        "    private Mlp mlp;", ConfigType + $$"""

        public partial class Mlp : nn.Module<Tensor, Tensor>
        {
            private Linear gate_proj, up_proj, down_proj;
            public Mlp(int hidden, int inter) : base("Mlp")
            {
                gate_proj = nn.Linear(hidden, {{gateWidth}}, hasBias: false);
                up_proj = nn.Linear(hidden, {{upWidth}}, hasBias: false);
                down_proj = {{down}};
                RegisterComponents();
            }
            public override Tensor forward(Tensor x) => x;
        }
        """, "public M(Config config) : base(\"M\") { mlp = new Mlp(config.Hidden, config.Intermediate); RegisterComponents(); }");

    private const string MlpManifest = "mlp.gate_proj.weight BF16 [14336,8]\nmlp.up_proj.weight BF16 [14336,8]\nmlp.down_proj.weight BF16 [8,14336]\n";

    [Fact]
    public void MG0020_a_wrong_width_used_in_two_places()
    {
        string bad = Mlp("11008", "11008", "nn.Linear(inter, hidden, hasBias: false)");

        var result = ShapeHarness.Run(bad, MlpManifest);

        var diagnostics = result.Reported.OrderBy(d => d.Location.SourceSpan.Start).ToList();
        Assert.Equal(["MG0020", "MG0020"], diagnostics.Select(d => d.Id));
        Assert.Equal("Checkpoint key 'mlp.gate_proj.weight' has shape [14336, 8], but the model creates [11008, config.Hidden = 8]; dimension 0 is 11008, the checkpoint's 14336", diagnostics[0].GetMessage());
        Assert.Equal("Checkpoint key 'mlp.up_proj.weight' has shape [14336, 8], but the model creates [11008, config.Hidden = 8]; dimension 0 is 11008, the checkpoint's 14336", diagnostics[1].GetMessage());
        AssertAt(diagnostics[0], bad, "11008");
        AssertAt(diagnostics[1], bad, "11008, hasBias: false);\n        down", 0);
        AssertClean(ShapeHarness.Run(Mlp("inter", "inter", "nn.Linear(inter, hidden, hasBias: false)"), MlpManifest));
    }

    [Fact]
    public void MG0021_in_and_out_swapped_names_where_the_other_value_came_from()
    {
        string bad = Mlp("inter", "inter", "nn.Linear(hidden, inter, hasBias: false)");

        var result = ShapeHarness.Run(bad, MlpManifest);

        Diagnostic d = Assert.Single(result.Reported);
        Assert.Equal("MG0021", d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        string gateUse = $"Models.cs({Positions.Of(bad, "inter, hasBias").Line + 1},{Positions.Of(bad, "inter, hasBias").Character + 1})";
        Assert.Equal("Checkpoint key 'mlp.down_proj.weight' has shape [8, 14336], but the model creates [config.Intermediate = 14336, config.Hidden = 8]: "
            + $"'config.Intermediate' would be 8 here, yet it is 14336 from 'mlp.gate_proj.weight' at {gateUse}", d.GetMessage());
        AssertAt(d, bad, "inter, hasBias: false);\n        RegisterComponents");
    }

    [Fact]
    public void MG0023_an_I8_checkpoint_weight_into_an_F16_linear()
    {
        string bad = Model("    private Linear proj = nn.Linear(2, 2, hasBias: false, dtype: ScalarType.Float16);");
        string good = Model("    private Linear proj = nn.Linear(2, 2, hasBias: false, dtype: torch.float16);");

        Diagnostic d = Assert.Single(ShapeHarness.Run(bad, "proj.weight I8 [2,2]\n").Reported);

        Assert.Equal("MG0023", d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal("Checkpoint key 'proj.weight' is I8, which the loader cannot convert into the Float16 of 'M.proj.weight' (the loader converts floating point only into floating point, and other types not into floating point)", d.GetMessage());
        AssertAt(d, bad, "proj =");
        AssertClean(ShapeHarness.Run(good, "proj.weight BF16 [2,2]\n"));
        Assert.Equal("MG0023", Assert.Single(ShapeHarness.Run(good, "proj.weight I8 [2,2]\n").Reported).Id);
    }

    [Fact]
    public void MG0023_a_dtype_TorchSharp_has_no_element_type_for_is_an_error_whatever_the_model_dtype()
    {
        string source = Model("    private Linear proj = nn.Linear(2, 2, hasBias: false);");

        Diagnostic d = Assert.Single(ShapeHarness.Run(source, "proj.weight F8_E4M3 [2,2]\n").Reported);

        Assert.Equal("Checkpoint key 'proj.weight' is F8_E4M3, which the loader cannot convert into any TorchSharp element type (TorchSharp 0.107 has none for it)", d.GetMessage());
    }

    [Fact]
    public void MG0024_tied_parameter_whose_own_key_is_in_the_checkpoint()
    {
        string source = Model("""
                private ModelGen.Layers.Embedding embed = new(4, 2);
                [TiedTo("embed.weight", Parameter = "weight")]
                private Linear head = nn.Linear(2, 4, hasBias: false);
            """);

        Diagnostic d = Assert.Single(ShapeHarness.Run(source, "embed.weight F32 [4,2]\nhead.weight F32 [4,2]\n").Reported);

        Assert.Equal("MG0024", d.Id);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal("'head.weight' is [TiedTo(\"embed.weight\")], but the checkpoint holds both 'head.weight' and 'embed.weight'; the load compares the two and fails if they differ; remove [TiedTo] if the checkpoint's tensor is a separate weight", d.GetMessage());
        AssertAt(d, source, "head =");
        AssertClean(ShapeHarness.Run(source, "embed.weight F32 [4,2]\n"));
        Assert.Equal(DiagnosticSeverity.Error, Assert.Single(ShapeHarness.Run(source, "embed.weight F32 [4,2]\nhead.weight F32 [4,2]\n", strict: true).Reported).Severity);
    }

    [Fact]
    public void Layer_norms_convolutions_and_module_dictionaries_get_shapes()
    {
        string source = Model("""
                private LayerNorm norm = nn.LayerNorm(4);
                private LayerNorm wide = nn.LayerNorm(new long[] { 2, 3 }, bias: false);
                private Conv1d c1 = nn.Conv1d(2, 4, 3);
                private Conv2d c2 = nn.Conv2d(4, 8, (3, 5), groups: 2, bias: false);
                private ConvTranspose2d t2 = nn.ConvTranspose2d(6, 4, 3, groups: 2);
                private ModuleDict<Linear> heads = nn.ModuleDict<Linear>(("a", nn.Linear(4, 3)), ("b", nn.Linear(4, 3)));
                private ModuleDict<Linear> more = new ModuleDict<Linear> { { "c", nn.Linear(2, 2, hasBias: false) } };
            """);
        const string manifest = """
            norm.weight F32 [4]
            norm.bias F32 [4]
            wide.weight F32 [2, 3]
            c1.weight F32 [4,2,3]
            c1.bias F32 [4]
            c2.weight F32 [8,2,3,5]
            t2.weight F32 [6,2,3,3]
            t2.bias F32 [4]
            heads.a.weight F32 [3,4]
            heads.a.bias F32 [3]
            heads.b.weight F32 [3,4]
            heads.b.bias F32 [3]
            more.c.weight F32 [2,2]
            """;

        AssertClean(ShapeHarness.Run(source, manifest));

        var bad = ShapeHarness.Run(source, manifest.Replace("c2.weight F32 [8,2,3,5]", "c2.weight F32 [8,4,3,5]").Replace("heads.b.weight F32 [3,4]", "heads.b.weight F32 [3,5]"));
        var messages = bad.Reported.Select(d => d.Id + " " + d.GetMessage()).ToList();
        Assert.Equal([
            "MG0020 Checkpoint key 'c2.weight' has shape [8, 4, 3, 5], but the model creates [8, 4 / 2 = 2, 3, 5]; dimension 1 is 4 / 2 = 2, the checkpoint's 4",
            "MG0020 Checkpoint key 'heads.b.weight' has shape [3, 5], but the model creates [3, 4]; dimension 1 is 4, the checkpoint's 5",
        ], messages);
    }

    [Fact]
    public void Tensor_fields_created_by_torch_factories_get_shapes_and_dtypes()
    {
        string source = Model("""
                private Parameter scale = new Parameter(torch.ones(3, 2, dtype: ScalarType.Int32));
                private Tensor table = torch.zeros(new long[] { 5 });
            """);

        AssertClean(ShapeHarness.Run(source, "scale I32 [3,2]\ntable F32 [5]\n"));
        var bad = ShapeHarness.Run(source, "scale F32 [3,2]\ntable F32 [6]\n");
        Assert.Equal(["MG0020", "MG0023"], bad.Reported.Select(d => d.Id).Order());
    }

    [Fact]
    public void MG0026_one_summary_when_some_shapes_cannot_be_checked()
    {
        string source = Model("""
                private Linear proj = nn.Linear(2, 2, hasBias: false);
                private Linear made = Make();
                private Parameter p = new Parameter(Helper());
                private static Linear Make() => nn.Linear(2, 2);
                private static Tensor Helper() => torch.ones(2);
            """);

        var result = ShapeHarness.Run(source, "proj.weight F32 [2,2]\nmade.weight F32 [2,2]\nmade.bias F32 [2]\np F32 [2]\n");

        Diagnostic d = Assert.Single(result.Reported);
        Assert.Equal("MG0026", d.Id);
        Assert.Equal(DiagnosticSeverity.Info, d.Severity);
        // Make() returns one creation, which the generator follows; Helper() returns a tensor, which it does not.
        Assert.Equal("Shapes of 'Demo.M' checked for 3 of 4 checkpoint keys in '/ckpt/m.manifest'; not checkable: "
            + "'p' (it is not created by torch.empty/zeros/ones/rand/randn in one place)", d.GetMessage());
        AssertAt(d, source, "M : nn");
        Assert.Empty(ShapeHarness.Run(source, "proj.weight\nmade.weight\nmade.bias\np\n").Reported);
    }
}
