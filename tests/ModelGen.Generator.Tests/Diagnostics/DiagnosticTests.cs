using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator.Tests.Infrastructure;

namespace ModelGen.Generator.Tests.Diagnostics;

/// <summary>Every diagnostic: exact ID, severity and location (the field in C#, the line in the manifest).</summary>
public sealed class DiagnosticTests
{
    private static Diagnostic Single(GeneratorResult result, string id) =>
        Assert.Single(result.Reported, d => d.Id == id);

    private static void AssertAt(Diagnostic diagnostic, string source, string marker, int offset = 0)
    {
        Assert.Equal("Models.cs", Positions.PathOf(diagnostic));
        Assert.Equal(Positions.Of(source, marker, offset), Positions.Start(diagnostic));
    }

    /// <summary>A model whose [ShardedModel] sets MissingKeys = Initialize: missing tensors are warnings the load initializes.</summary>
    private static string InitializeMissing(string members, string extraTypes = "") =>
        Model(members, extraTypes).Replace("[ShardedModel]", "[ShardedModel(MissingKeys = MissingKeyPolicy.Initialize, UnexpectedKeys = UnexpectedKeyPolicy.Ignore)]", StringComparison.Ordinal);

    private static string Model(string members, string extraTypes = "", string attributes = "") => DemoSource.Usings + $$"""
        [ShardedModel]
        {{attributes}}
        public partial class M : nn.Module<Tensor, Tensor>
        {
        {{members}}
            public M() : base("M") => RegisterComponents();
            public override Tensor forward(Tensor x) => x;
        }
        {{extraTypes}}
        """;

    [Fact]
    public void MG0001_model_not_partial()
    {
        string source = DemoSource.Usings + """
            [ShardedModel]
            public class Whole : nn.Module<Tensor, Tensor>
            {
                public Whole() : base("W") { }
                public override Tensor forward(Tensor x) => x;
            }
            """;
        var result = GeneratorHarness.Run(source);

        Diagnostic d = Single(result, "MG0001");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        AssertAt(d, source, "Whole");
        Assert.Contains("it is not partial", d.GetMessage());
        Assert.Empty(result.Sources);
    }

    [Fact]
    public void MG0001_model_generic_or_nested_in_a_class_that_is_not_partial()
    {
        string source = DemoSource.Usings + """
            public class Outer
            {
                [ShardedModel]
                public partial class Inner : nn.Module<Tensor, Tensor>
                {
                    public Inner() : base("I") { }
                    public override Tensor forward(Tensor x) => x;
                }
            }
            [ShardedModel]
            public partial class Gen<T> : nn.Module<Tensor, Tensor>
            {
                public Gen() : base("G") { }
                public override Tensor forward(Tensor x) => x;
            }
            """;
        var result = GeneratorHarness.Run(source);

        var diagnostics = result.Reported.Where(d => d.Id == "MG0001").OrderBy(d => d.Location.SourceSpan.Start).ToList();
        Assert.Equal(2, diagnostics.Count);
        Assert.Contains("nested in 'Outer', which is not a non-generic partial class", diagnostics[0].GetMessage());
        Assert.Contains("generic", diagnostics[1].GetMessage());
    }

    [Fact]
    public void Models_and_modules_nested_in_partial_classes_are_generated()
    {
        string source = DemoSource.Usings + """
            public static partial class Zoo
            {
                [ShardedModel]
                public partial class Root : nn.Module<Tensor, Tensor>
                {
                    private Block block = new Block();
                    public Root() : base("R") => RegisterComponents();
                    public override Tensor forward(Tensor x) => x;

                    public partial class Block : nn.Module<Tensor, Tensor>
                    {
                        private Linear proj = nn.Linear(2, 2, hasBias: false);
                        public Block() : base("B") => RegisterComponents();
                        public override Tensor forward(Tensor x) => x;
                    }
                }
            }
            """;
        var result = GeneratorHarness.Run(source, [new TestManifest("/ckpt/m.manifest", "block.proj.weight F32 [2,2]\n", "Demo.Zoo.Root")]);

        Assert.Empty(result.Reported);
        Assert.Empty(result.CompilerDiagnostics);
        Assert.Contains(result.Sources, s => s.HintName == "Demo.Zoo.Root.Block.ModelGen.Glue.g.cs");
    }

    [Fact]
    public void MG0002_model_not_a_module()
    {
        string source = DemoSource.Usings + """
            [ShardedModel]
            public partial class Plain { }
            """;
        Diagnostic d = Single(GeneratorHarness.Run(source), "MG0002");

        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        AssertAt(d, source, "Plain");
    }

    [Fact]
    public void MG0003_custom_module_not_partial_and_unsupported_containers()
    {
        string source = Model("""
                private Closed closed = new Closed();
                private Sequential seq = Layers();
                private static Sequential Layers() => nn.Sequential(nn.Linear(2, 2));
                private nn.Module<Tensor, Tensor> vague = nn.Linear(2, 2);
            """, """
            public class Closed : nn.Module<Tensor, Tensor>
            {
                private Linear inner = nn.Linear(2, 2);
                public Closed() : base("C") => RegisterComponents();
                public override Tensor forward(Tensor x) => x;
            }
            """);
        var result = GeneratorHarness.Run(source);

        var found = result.Reported.Where(d => d.Id == "MG0003").OrderBy(d => d.Location.SourceSpan.Start).ToList();
        Assert.Equal(3, found.Count);
        AssertAt(found[0], source, "closed =");
        Assert.Contains("not partial", found[0].GetMessage());
        AssertAt(found[1], source, "seq =");
        Assert.Contains("Sequential", found[1].GetMessage());
        AssertAt(found[2], source, "vague =");
        Assert.Contains("concrete", found[2].GetMessage());
        Assert.All(found, d => Assert.Equal(DiagnosticSeverity.Warning, d.Severity));
    }

    [Fact]
    public void MG0003_module_containing_its_own_type()
    {
        string source = Model("    private Node root = new Node();", """
            public partial class Node : nn.Module<Tensor, Tensor>
            {
                private Linear value = nn.Linear(2, 2);
                private Node? next = null;
                public Node() : base("N") => RegisterComponents();
                public override Tensor forward(Tensor x) => x;
            }
            """);
        var result = GeneratorHarness.Run(source);

        Diagnostic d = Single(result, "MG0003");
        AssertAt(d, source, "next = null;");
        Assert.Contains("its own type", d.GetMessage());
        Assert.Empty(result.CompilerDiagnostics);
    }

    [Fact]
    public void MG0004_native_layers_point_to_the_replacement()
    {
        string source = Model("""
                private Embedding tokens = nn.Embedding(10, 4);
                private MultiheadAttention attention = nn.MultiheadAttention(4, 2);
            """);
        var result = GeneratorHarness.Run(source);

        var found = result.Reported.Where(d => d.Id == "MG0004").OrderBy(d => d.Location.SourceSpan.Start).ToList();
        Assert.Equal(2, found.Count);
        AssertAt(found[0], source, "tokens =");
        Assert.Contains("ModelGen.Layers.Embedding", found[0].GetMessage());
        AssertAt(found[1], source, "attention =");
        Assert.Contains("not mapped", found[1].GetMessage());
    }

    [Fact]
    public void MG0005_attribute_misuse()
    {
        string source = Model("""
                [TiedTo("nowhere.weight", Parameter = "weight")]
                private Linear head = nn.Linear(2, 2);
                [Initializer("Missing")]
                private Parameter scale = new Parameter(torch.ones(2));
                [ComputedBuffer(nameof(Make))]
                private Parameter notBuffer = new Parameter(torch.ones(2));
                [TiedTo("head.weight", Parameter = "kernel")]
                private Linear other = nn.Linear(2, 2);
                public Tensor Make(Device device) => torch.ones(2);
            """, attributes: "[IgnoreCheckpointKeys(\"\")]");
        var result = GeneratorHarness.Run(source);

        var found = result.Reported.Where(d => d.Id == "MG0005").Select(d => d.GetMessage()).ToList();
        Assert.Contains(found, m => m.Contains("'nowhere.weight', which is not a key"));
        Assert.Contains(found, m => m.Contains("no instance method 'void Missing(torch.Tensor tensor)'"));
        Assert.Contains(found, m => m.Contains("[ComputedBuffer] on 'M.notBuffer' needs a Tensor (buffer) field"));
        Assert.Contains(found, m => m.Contains("names parameter 'kernel'"));
        Assert.Contains(found, m => m.Contains("[IgnoreCheckpointKeys] needs a non-empty key pattern"));
        Diagnostic tied = result.Reported.Single(d => d.GetMessage().Contains("nowhere.weight"));
        AssertAt(tied, source, "head =");
        Diagnostic initializer = result.Reported.Single(d => d.GetMessage().Contains("Missing"));
        AssertAt(initializer, source, "Initializer(\"Missing\")");
    }

    [Fact]
    public void MG0005_ties_must_name_one_parameter_outside_lists()
    {
        string source = Model("""
                private ModuleList<Linear> layers = new ModuleList<Linear>();
                [TiedTo("layers.{i}.weight", Parameter = "weight")]
                private Linear head = nn.Linear(2, 2, hasBias: false);
                private ModelGen.Layers.RMSNorm norm = new(2);
                [TiedTo("norm.weight", Parameter = "weight")]
                private Linear fine = nn.Linear(2, 2, hasBias: false);
            """);
        var result = GeneratorHarness.Run(source);

        Diagnostic d = Single(result, "MG0005");
        AssertAt(d, source, "head =");
        Assert.Contains("outside module lists", d.GetMessage());
    }

    [Fact]
    public void MG0006_unmapped_key_at_the_manifest_line_with_did_you_mean()
    {
        string source = Model("    private ModuleList<Linear> layers = new ModuleList<Linear>(nn.Linear(2, 2), nn.Linear(2, 2));");
        string manifest = """
            # checkpoint
            layers.0.weight F32 [2,2]
            layers.0.bias F32 [2]
              layers.0.wieght_scale F32 [1]
            layers.1.weight F32 [2,2]
            layers.1.bais F32 [2]
            layers.1.wieght_scale F32 [1]
            totally.unrelated.thing F32 [1]
            """;
        var result = GeneratorHarness.Run(source, [new TestManifest("/ckpt/model.manifest", manifest, "Demo.M")]);

        var found = result.Reported.Where(d => d.Id == "MG0006").OrderBy(d => d.Location.GetLineSpan().StartLinePosition.Line).ToList();
        Assert.Equal(3, found.Count);
        Assert.All(found, d => Assert.Equal("/ckpt/model.manifest", Positions.PathOf(d)));
        Assert.Equal(new LinePosition(3, 2), Positions.Start(found[0]));
        Assert.Equal(new LinePositionSpan(new LinePosition(3, 2), new LinePosition(3, 23)), found[0].Location.GetLineSpan().Span);
        Assert.Equal("Checkpoint key 'layers.0.wieght_scale' (and 1 more like 'layers.{i}.wieght_scale') is not taken by any parameter or buffer of 'Demo.M'; the load refuses it (UnexpectedKeys is Refuse)",
            found[0].GetMessage());
        Assert.Equal(new LinePosition(5, 0), Positions.Start(found[1]));
        Assert.EndsWith("; the load refuses it (UnexpectedKeys is Refuse); did you mean 'layers.1.bias'?", found[1].GetMessage());
        Assert.Equal(new LinePosition(7, 0), Positions.Start(found[2]));
        Assert.DoesNotContain("did you mean", found[2].GetMessage());
        Assert.All(found, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
    }

    [Fact]
    public void A_literal_digit_segment_matches_as_is()
    {
        string source = Model("    [TorchSharp.Utils.ComponentName(Name = \"0\")]\n    private Linear first = nn.Linear(2, 2, hasBias: false);");
        var result = GeneratorHarness.Run(source, [new TestManifest("/ckpt/m.manifest", "0.weight F32 [2,2]\n", "Demo.M")]);

        Assert.Empty(result.Reported);
    }

    [Fact]
    public void MG0006_ignored_keys_are_not_reported()
    {
        string source = Model("    private Linear proj = nn.Linear(2, 2);", attributes: "[IgnoreCheckpointKeys(\"**.inv_freq\")]");
        string manifest = "proj.weight F32 [2,2]\nproj.bias F32 [2]\nrotary.inv_freq F32 [1]\n";
        var result = GeneratorHarness.Run(source, [new TestManifest("/ckpt/m.manifest", manifest, "Demo.M")]);

        Assert.Empty(result.Reported);
    }

    [Fact]
    public void MG0007_missing_key_at_the_field_says_how_it_will_be_initialized()
    {
        string source = InitializeMissing("""
                private Linear proj = nn.Linear(2, 2);
                private ModuleList<Block> blocks = new ModuleList<Block>(new Block(), new Block(), new Block());
            """, """
            public partial class Block : nn.Module<Tensor, Tensor>
            {
                private LayerNorm norm = nn.LayerNorm(2);
                public Block() : base("B") => RegisterComponents();
                public override Tensor forward(Tensor x) => x;
            }
            """);
        string manifest = "proj.weight F32 [2,2]\nblocks.0.norm.weight F32 [2]\nblocks.0.norm.bias F32 [2]\nblocks.1.norm.weight F32 [2]\nblocks.2.norm.weight F32 [2]\nblocks.2.norm.bias F32 [2]\n";
        var result = GeneratorHarness.Run(source, [new TestManifest("/ckpt/m.manifest", manifest, "Demo.M")]);

        var found = result.Reported.Where(d => d.Id == "MG0007").OrderBy(d => d.Location.SourceSpan.Start).ToList();
        Assert.Equal(2, found.Count);
        Assert.All(found, d => Assert.Equal(DiagnosticSeverity.Warning, d.Severity));
        AssertAt(found[0], source, "proj =");
        Assert.Equal("'proj.bias' (parameter) is not in the checkpoint; it will be initialized with uniform(±1/sqrt(fan_in))", found[0].GetMessage());
        AssertAt(found[1], source, "norm =");
        Assert.Equal("'blocks.{i}.norm.bias' (parameter) is not in the checkpoint for 1 of 3 list entries ('blocks.1.norm.bias'); it will be initialized with zeros", found[1].GetMessage());
    }

    [Fact]
    public void MG0007_module_dict_entries_match_any_key_and_are_missing_only_when_none_is_present()
    {
        string source = Model("    private ModuleDict<Linear> heads = new ModuleDict<Linear>();\n    private Linear proj = nn.Linear(2, 2, hasBias: false);");
        string manifest = "heads.cls.weight F32 [2,2]\nheads.0.weight F32 [2,2]\nproj.weight F32 [2,2]\n";
        var present = GeneratorHarness.Run(source, [new TestManifest("/ckpt/m.manifest", manifest, "Demo.M")]);
        var absent = GeneratorHarness.Run(source, [new TestManifest("/ckpt/m.manifest", "proj.weight F32 [2,2]\n", "Demo.M")]);

        // The dictionary is filled outside its constructor, so its shapes are the one thing left unchecked.
        Assert.Equal(["MG0026"], present.Reported.Select(d => d.Id));
        Diagnostic missing = Single(absent, "MG0007");
        Assert.StartsWith("'heads.{key}.weight' (parameter) is not in the checkpoint", missing.GetMessage());
    }

    [Fact]
    public void MG0007_not_reported_for_tied_computed_or_optional_keys()
    {
        string source = Model("""
                private ModelGen.Layers.Embedding embed = new(4, 2);
                [TiedTo("embed.weight", Parameter = "weight")]
                private Linear head = nn.Linear(2, 4, hasBias: false);
                private Linear maybe;
                [ComputedBuffer(nameof(Make))]
                private Tensor freq = torch.ones(1);
                public Tensor Make(Device device) => torch.ones(1);
                public M(bool bias) : base("M") { maybe = nn.Linear(2, 2, hasBias: bias); RegisterComponents(); }
            """);
        string manifest = "embed.weight F32 [4,2]\nmaybe.weight F32 [2,2]\n";
        var result = GeneratorHarness.Run(source, [new TestManifest("/ckpt/m.manifest", manifest, "Demo.M")]);

        Assert.Empty(result.Reported);
    }

    [Fact]
    public void MG0008_key_claimed_twice()
    {
        string source = Model("""
                private Linear first = nn.Linear(2, 2);
                [TorchSharp.Utils.ComponentName(Name = "first")]
                private Linear second = nn.Linear(2, 2);
            """);
        var result = GeneratorHarness.Run(source);

        var found = result.Reported.Where(d => d.Id == "MG0008").ToList();
        Assert.Equal(2, found.Count);
        Assert.All(found, d => AssertAt(d, source, "second ="));
        Assert.Contains(found, d => d.GetMessage() == "Key 'first.weight' is claimed by both M.first.weight and M.second.weight");
        Assert.All(found, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
    }

    [Fact]
    public void MG0009_list_with_a_gap_in_the_checkpoint()
    {
        string source = Model("    private ModuleList<Linear> layers = new ModuleList<Linear>();");
        string manifest = "layers.0.weight F32 [2,2]\nlayers.0.bias F32 [2]\nlayers.2.weight F32 [2,2]\nlayers.2.bias F32 [2]\n";
        var result = GeneratorHarness.Run(source, [new TestManifest("/ckpt/m.manifest", manifest, "Demo.M")]);

        Diagnostic d = Single(result, "MG0009");
        AssertAt(d, source, "layers =");
        Assert.Equal("Module list 'layers' does not match the checkpoint: the checkpoint has indices up to 2 but lacks index 1", d.GetMessage());
    }

    [Fact]
    public void MG0009_nested_list_empty_under_one_parent()
    {
        string source = Model("    private ModuleList<Layer> layers = new ModuleList<Layer>();", """
            public partial class Layer : nn.Module<Tensor, Tensor>
            {
                private ModuleList<Linear> experts = new ModuleList<Linear>();
                private LayerNorm norm = nn.LayerNorm(2);
                public Layer() : base("L") => RegisterComponents();
                public override Tensor forward(Tensor x) => x;
            }
            """);
        string manifest = string.Join("\n",
            "layers.0.norm.weight F32 [2]", "layers.0.norm.bias F32 [2]", "layers.1.norm.weight F32 [2]", "layers.1.norm.bias F32 [2]",
            "layers.0.experts.0.weight F32 [2,2]", "layers.0.experts.0.bias F32 [2]", "layers.0.experts.1.weight F32 [2,2]", "layers.0.experts.1.bias F32 [2]");
        var result = GeneratorHarness.Run(source, [new TestManifest("/ckpt/m.manifest", manifest, "Demo.M")]);

        Diagnostic d = Single(result, "MG0009");
        AssertAt(d, source, "experts =");
        Assert.Equal("Module list 'layers.{i}.experts' does not match the checkpoint: no entries under 'layers.1'", d.GetMessage());
    }

    [Fact]
    public void MG0010_invalid_manifest_lines_and_unreadable_files()
    {
        string source = Model("    private Linear proj = nn.Linear(2, 2);");
        string manifest = "proj.weight F32 [2,2]\nproj.bias F33 [2]\nproj.bias F32 2\nproj.weight F32 [2,2]\nbad..key\na b c d\nproj.bias F32 [2]\n";
        var result = GeneratorHarness.Run(source,
        [
            new TestManifest("/ckpt/m.manifest", manifest, "Demo.M"),
            new TestManifest("/ckpt/gone.manifest", null, "Demo.M"),
        ]);

        var found = result.Reported.Where(d => d.Id == "MG0010").OrderBy(d => Positions.PathOf(d), StringComparer.Ordinal).ThenBy(d => Positions.Start(d).Line).ToList();
        Assert.Equal(6, found.Count);
        Assert.Equal("/ckpt/gone.manifest", Positions.PathOf(found[0]));
        Assert.Contains("cannot be read", found[0].GetMessage());
        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, found.Skip(1).Select(d => Positions.Start(d).Line));
        Assert.Contains("unknown dtype 'F33'", found[1].GetMessage());
        Assert.Contains("shape '2'", found[2].GetMessage());
        Assert.Contains("appears again (first on line 1)", found[3].GetMessage());
        Assert.Contains("empty segment", found[4].GetMessage());
        Assert.Contains("more fields", found[5].GetMessage());
        Assert.All(found, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
        // Valid lines are still compared: proj.bias on the last line counts, so nothing is missing.
        Assert.DoesNotContain(result.Reported, d => d.Id == "MG0007");
    }

    [Fact]
    public void MG0010_empty_manifest()
    {
        string source = Model("    private Linear proj = nn.Linear(2, 2);");
        var result = GeneratorHarness.Run(source, [new TestManifest("/ckpt/m.manifest", "# nothing\n\n", "Demo.M")]);

        Assert.Contains("lists no tensors", Single(result, "MG0010").GetMessage());
    }

    [Fact]
    public void MG0011_auto_property()
    {
        string source = Model("    public Linear Head { get; } = nn.Linear(2, 2);");
        Diagnostic d = Single(GeneratorHarness.Run(source), "MG0011");

        AssertAt(d, source, "Head");
        Assert.Contains("<Head>k__BackingField", d.GetMessage());
    }

    [Fact]
    public void MG0012_readonly_tensor_field()
    {
        string source = Model("    private readonly Parameter frozen = new Parameter(torch.ones(2));");
        Diagnostic d = Single(GeneratorHarness.Run(source), "MG0012");

        AssertAt(d, source, "frozen =");
    }

    [Fact]
    public void MG0013_missing_custom_parameter_without_initializer()
    {
        string source = Model("    private Parameter scale = new Parameter(torch.ones(2));\n    private Linear proj = nn.Linear(2, 2);");
        var result = GeneratorHarness.Run(source, [new TestManifest("/ckpt/m.manifest", "proj.weight F32 [2,2]\nproj.bias F32 [2]\n", "Demo.M")]);

        Diagnostic d = Single(result, "MG0013");
        AssertAt(d, source, "scale =");
        Assert.Equal("'scale' (parameter) is not in the checkpoint and nothing can initialize it; provide it in the checkpoint or add [Initializer]", d.GetMessage());
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
    }

    [Fact]
    public void MG0014_manifest_for_an_unknown_model()
    {
        string source = Model("    private Linear proj = nn.Linear(2, 2);");
        var result = GeneratorHarness.Run(source, [new TestManifest("/ckpt/m.manifest", "x F32 [1]\n", "Demo.Typo")]);

        Diagnostic d = Single(result, "MG0014");
        Assert.Equal("/ckpt/m.manifest", Positions.PathOf(d));
        Assert.Contains("'Demo.Typo'", d.GetMessage());
    }

    [Fact]
    public void Pragma_silences_a_diagnostic_where_it_sits()
    {
        string source = Model("""
            #pragma warning disable MG0004
                private Embedding quiet = nn.Embedding(10, 4);
            #pragma warning restore MG0004
                private Embedding loud = nn.Embedding(10, 4);
            """);
        var result = GeneratorHarness.Run(source);

        Diagnostic reported = Single(result, "MG0004");
        AssertAt(reported, source, "loud =");
        Diagnostic silenced = Assert.Single(result.GeneratorDiagnostics, d => d.IsSuppressed);
        AssertAt(silenced, source, "quiet =");
    }

    [Fact]
    public void Strict_turns_every_mismatch_into_an_error_and_leaves_other_diagnostics_alone()
    {
        string source = InitializeMissing("    private Linear proj = nn.Linear(2, 2);\n    private Embedding tokens = nn.Embedding(3, 2);");
        TestManifest manifest = new("/ckpt/m.manifest", "proj.weight F32 [2,2]\nextra F32 [1]\ntokens.weight F32 [3,2]\n", "Demo.M");

        var relaxed = GeneratorHarness.Run(source, [manifest]);
        var strict = GeneratorHarness.Run(source, [manifest], strict: true);

        Assert.Equal(DiagnosticSeverity.Warning, Single(relaxed, "MG0006").Severity);
        Assert.Equal(DiagnosticSeverity.Warning, Single(relaxed, "MG0007").Severity);
        Assert.Equal(DiagnosticSeverity.Error, Single(strict, "MG0006").Severity);
        Assert.Equal(DiagnosticSeverity.Error, Single(strict, "MG0007").Severity);
        Assert.Equal(DiagnosticSeverity.Warning, Single(strict, "MG0004").Severity);
    }

    [Fact]
    public void Severity_follows_the_compilation_options_that_editorconfig_sets()
    {
        string source = Model("    private Linear proj = nn.Linear(2, 2);");
        var compilation = GeneratorHarness.Compile(("Models.cs", source));
        compilation = compilation.WithOptions(compilation.Options.WithSpecificDiagnosticOptions(
            compilation.Options.SpecificDiagnosticOptions.SetItem("MG0007", ReportDiagnostic.Error).SetItem("MG0006", ReportDiagnostic.Suppress)));
        var driver = GeneratorHarness.CreateDriver([new TestManifest("/ckpt/m.manifest", "proj.weight F32 [2,2]\nextra F32 [1]\n", "Demo.M")]);

        var result = GeneratorHarness.Run(compilation, driver);

        Assert.Equal(DiagnosticSeverity.Error, Single(result, "MG0007").Severity);
        Assert.DoesNotContain(result.Reported, d => d.Id == "MG0006");
    }

    [Fact]
    public void Every_diagnostic_has_a_help_link_to_its_anchor()
    {
        string source = Model("    private Embedding tokens = nn.Embedding(3, 2);");
        Diagnostic d = Single(GeneratorHarness.Run(source), "MG0004");

        Assert.Equal("https://github.com/modelgen/modelgen/blob/main/docs/diagnostics.md#mg0004", d.Descriptor.HelpLinkUri);
    }

    [Fact]
    public void A_clean_model_and_checkpoint_report_nothing_and_generated_code_compiles()
    {
        string source = Model("    private Linear proj = nn.Linear(2, 2);");
        var result = GeneratorHarness.Run(source, [new TestManifest("/ckpt/m.manifest", "proj.weight F32 [2,2]\nproj.bias F32 [2]\n", "Demo.M")]);

        Assert.Empty(result.Reported);
        Assert.Empty(result.CompilerDiagnostics);
    }
}
