using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generator.Tests.Infrastructure;

namespace ModelGen.Generator.Tests.Diagnostics;

/// <summary>
/// One key policy for build and load: MG0006/MG0007 are errors where the load refuses and warnings where it goes on,
/// the attribute wins over the MSBuild properties, the generated key table carries the effective policy, and
/// tensors declared new are never reported.
/// </summary>
public sealed class KeyPolicyDiagnosticTests
{
    private static readonly TestManifest ProjOnly = new("/ckpt/m.manifest", "proj.weight F32 [2,2]\nextra F32 [1]\n", "Demo.M");

    private static string Model(string members, string attribute = "[ShardedModel]", string extraTypes = "") => DemoSource.Usings + $$"""
        {{attribute}}
        public partial class M : nn.Module<Tensor, Tensor>
        {
        {{members}}
            public M() : base("M") => RegisterComponents();
            public override Tensor forward(Tensor x) => x;
        }
        {{extraTypes}}
        """;

    private static GeneratorResult Run(string source, IEnumerable<TestManifest> manifests, params (string Key, string Value)[] properties)
    {
        var list = manifests.ToList();
        var global = properties.ToImmutableDictionary(p => "build_property." + p.Key, p => p.Value);
        var perFile = list.ToImmutableDictionary(m => m.Path, m => ImmutableDictionary<string, string>.Empty.Add(ShardedModelGenerator.ModelMetadata, m.Model));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new ShardedModelGenerator().AsSourceGenerator()],
            list.Select(m => (AdditionalText)new InMemoryAdditionalText(m.Path, m.Content)).ToList(),
            GeneratorHarness.ParseOptions,
            new TestOptionsProvider(global, perFile));
        return GeneratorHarness.Run(GeneratorHarness.Compile(("Models.cs", source)), driver);
    }

    private static string ModelSource(GeneratorResult result) => Assert.Single(result.Sources, s => s.HintName.EndsWith(".ModelGen.Model.g.cs", StringComparison.Ordinal)).Source;

    private static Diagnostic Single(GeneratorResult result, string id) => Assert.Single(result.Reported, d => d.Id == id);

    [Fact]
    public void By_default_unexpected_and_missing_keys_are_errors_and_the_table_refuses_both()
    {
        var result = Run(Model("    private Linear proj = nn.Linear(2, 2);"), [ProjOnly]);

        Diagnostic unexpected = Single(result, "MG0006"), missing = Single(result, "MG0007");
        Assert.Equal(DiagnosticSeverity.Error, unexpected.Severity);
        Assert.Equal(DiagnosticSeverity.Error, missing.Severity);
        Assert.Equal("'proj.bias' (parameter) is not in the checkpoint; the load refuses it (MissingKeys is Refuse): add it to the checkpoint, declare it new with [Initializer], or set MissingKeys = Initialize to initialize it with uniform(±1/sqrt(fan_in))", missing.GetMessage());
        Assert.EndsWith("; the load refuses it (UnexpectedKeys is Refuse)", unexpected.GetMessage());
        Assert.Contains("missingKeys: global::ModelGen.MissingKeyPolicy.Refuse,", ModelSource(result));
        Assert.Contains("unexpectedKeys: global::ModelGen.UnexpectedKeyPolicy.Refuse)", ModelSource(result));
        Assert.Empty(result.CompilerDiagnostics);
    }

    [Fact]
    public void The_msbuild_properties_relax_the_project_default_to_warnings_and_the_table_says_so()
    {
        var result = Run(Model("    private Linear proj = nn.Linear(2, 2);"), [ProjOnly], ("ModelGenMissingKeys", "initialize"), ("ModelGenUnexpectedKeys", "Ignore"));

        Assert.Equal(DiagnosticSeverity.Warning, Single(result, "MG0006").Severity);
        Assert.EndsWith("; the load ignores it (UnexpectedKeys is Ignore)", Single(result, "MG0006").GetMessage());
        Assert.Equal(DiagnosticSeverity.Warning, Single(result, "MG0007").Severity);
        Assert.EndsWith("; it will be initialized with uniform(±1/sqrt(fan_in))", Single(result, "MG0007").GetMessage());
        Assert.Contains("missingKeys: global::ModelGen.MissingKeyPolicy.Initialize,", ModelSource(result));
        Assert.Contains("unexpectedKeys: global::ModelGen.UnexpectedKeyPolicy.Ignore)", ModelSource(result));
        Assert.Empty(result.CompilerDiagnostics);
    }

    [Fact]
    public void The_attribute_wins_over_the_msbuild_properties()
    {
        string source = Model("    private Linear proj = nn.Linear(2, 2);", "[ShardedModel(MissingKeys = MissingKeyPolicy.Refuse)]");
        var result = Run(source, [ProjOnly], ("ModelGenMissingKeys", "Initialize"), ("ModelGenUnexpectedKeys", "Ignore"));

        Assert.Equal(DiagnosticSeverity.Error, Single(result, "MG0007").Severity);
        Assert.Equal(DiagnosticSeverity.Warning, Single(result, "MG0006").Severity);
        Assert.Contains("missingKeys: global::ModelGen.MissingKeyPolicy.Refuse,", ModelSource(result));
        Assert.Contains("unexpectedKeys: global::ModelGen.UnexpectedKeyPolicy.Ignore)", ModelSource(result));

        string relaxed = Model("    private Linear proj = nn.Linear(2, 2);", "[ShardedModel(MissingKeys = MissingKeyPolicy.Initialize, UnexpectedKeys = UnexpectedKeyPolicy.Ignore)]");
        var byAttribute = Run(relaxed, [ProjOnly], ("ModelGenMissingKeys", "Refuse"), ("ModelGenUnexpectedKeys", "Refuse"));
        Assert.All(byAttribute.Reported, d => Assert.Equal(DiagnosticSeverity.Warning, d.Severity));
        Assert.Equal(2, byAttribute.Reported.Length);
    }

    [Fact]
    public void Strict_still_escalates_what_the_policy_leaves_as_warnings()
    {
        var strict = Run(Model("    private Linear proj = nn.Linear(2, 2);"), [ProjOnly],
            ("ModelGenStrict", "true"), ("ModelGenMissingKeys", "Initialize"), ("ModelGenUnexpectedKeys", "Ignore"));

        Assert.Equal(DiagnosticSeverity.Error, Single(strict, "MG0006").Severity);
        Assert.Equal(DiagnosticSeverity.Error, Single(strict, "MG0007").Severity);
    }

    [Fact]
    public void An_unknown_msbuild_value_is_MG0030_and_the_default_stays()
    {
        var result = Run(Model("    private Linear proj = nn.Linear(2, 2);"), [ProjOnly], ("ModelGenMissingKeys", "Maybe"));

        Diagnostic d = Single(result, "MG0030");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal("MSBuild property 'ModelGenMissingKeys' is 'Maybe', which is not a key policy; use one of: Refuse, Initialize", d.GetMessage());
        Assert.Equal(DiagnosticSeverity.Error, Single(result, "MG0007").Severity);
    }

    [Fact]
    public void An_undefined_enum_value_on_the_attribute_is_MG0005()
    {
        string source = Model("    private Linear proj = nn.Linear(2, 2);", "[ShardedModel(UnexpectedKeys = (UnexpectedKeyPolicy)5)]");
        var result = Run(source, [ProjOnly]);

        Diagnostic d = Single(result, "MG0005");
        Assert.Equal("[ShardedModel] sets UnexpectedKeys to 5, which is not a UnexpectedKeyPolicy value", d.GetMessage());
        Assert.Equal(Positions.Of(source, "ShardedModel("), Positions.Start(d));
    }

    [Fact]
    public void A_tensor_declared_new_with_an_initializer_is_never_reported_and_is_marked_in_the_table()
    {
        string source = Model("""
                private Linear proj = nn.Linear(2, 2);
                [Initializer(nameof(Fill))]
                private Parameter gate = new Parameter(torch.ones(2));
                public void Fill(Tensor t) => t.fill_(1);
            """);
        var result = Run(source, [new TestManifest("/ckpt/m.manifest", "proj.weight F32 [2,2]\nproj.bias F32 [2]\n", "Demo.M")]);

        Assert.Empty(result.Reported);
        Assert.Contains("new global::ModelGen.Mapping.KeyPattern(\"gate\", global::ModelGen.Mapping.TensorKind.Parameter, \"Demo.M\", initializer: \"Fill()\", optional: false, tiedTo: null, computed: false, member: \"M.gate\", declaredNew: true)", ModelSource(result));
        Assert.Contains("member: \"M.proj.weight\", declaredNew: false)", ModelSource(result));
        Assert.Empty(result.CompilerDiagnostics);
    }

    private const string Body = """
        public partial class Body : nn.Module<Tensor, Tensor>
        {
            private Linear q = nn.Linear(2, 2);
            private Linear k = nn.Linear(2, 2);
            private LayerNorm norm = nn.LayerNorm(2);
            public Body() : base("B") => RegisterComponents();
            public override Tensor forward(Tensor x) => x;
        }
        """;

    [Fact]
    public void A_misspelled_container_field_is_reported_once_at_the_field()
    {
        string source = Model("    private Body modle = new Body();\n    private Linear head = nn.Linear(2, 2, hasBias: false);", extraTypes: Body);
        string manifest = "model.q.weight F32 [2,2]\nmodel.q.bias F32 [2]\nmodel.k.weight F32 [2,2]\nmodel.k.bias F32 [2]\nmodel.norm.weight F32 [2]\nmodel.norm.bias F32 [2]\nhead.weight F32 [2,2]\n";
        var result = Run(source, [new TestManifest("/ckpt/m.manifest", manifest, "Demo.M")]);

        Diagnostic d = Single(result, "MG0007");
        Assert.Equal(Positions.Of(source, "modle ="), Positions.Start(d));
        Assert.Equal("'modle' (6 tensors) is not in the checkpoint: no checkpoint key starts with 'modle.' (did you mean 'model'?); the load refuses them (MissingKeys is Refuse): check the field's name against the checkpoint, declare them new with [Initializer], or set MissingKeys = Initialize", d.GetMessage());
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
    }

    [Fact]
    public void A_misspelled_layer_field_inside_a_list_is_reported_once_and_present_siblings_are_not()
    {
        string source = Model("    private ModuleList<Body> layers = new ModuleList<Body>(new Body(), new Body());", "[ShardedModel(MissingKeys = MissingKeyPolicy.Initialize)]", """
            public partial class Body : nn.Module<Tensor, Tensor>
            {
                private Linear q = nn.Linear(2, 2);
                private Linear kk = nn.Linear(2, 2);
                public Body() : base("B") => RegisterComponents();
                public override Tensor forward(Tensor x) => x;
            }
            """);
        string manifest = "layers.0.q.weight F32 [2,2]\nlayers.0.q.bias F32 [2]\nlayers.0.k.weight F32 [2,2]\nlayers.0.k.bias F32 [2]\nlayers.1.q.weight F32 [2,2]\nlayers.1.q.bias F32 [2]\nlayers.1.k.weight F32 [2,2]\nlayers.1.k.bias F32 [2]\n";
        var result = Run(source, [new TestManifest("/ckpt/m.manifest", manifest, "Demo.M")]);

        Diagnostic d = Single(result, "MG0007");
        Assert.Equal(Positions.Of(source, "kk ="), Positions.Start(d));
        Assert.Equal("'layers.{i}.kk' (2 tensors) is not in the checkpoint: no checkpoint key starts with 'layers.{i}.kk.' (did you mean 'layers.{i}.k'?); they will be initialized with their defaults", d.GetMessage());
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
    }

    [Fact]
    public void A_single_missing_tensor_under_a_present_container_is_still_reported_alone()
    {
        string source = Model("    private Body model = new Body();", extraTypes: Body);
        string manifest = "model.q.weight F32 [2,2]\nmodel.q.bias F32 [2]\nmodel.k.weight F32 [2,2]\nmodel.k.bias F32 [2]\nmodel.norm.weight F32 [2]\n";
        var result = Run(source, [new TestManifest("/ckpt/m.manifest", manifest, "Demo.M")]);

        Assert.StartsWith("'model.norm.bias' (parameter) is not in the checkpoint; ", Single(result, "MG0007").GetMessage());
    }

    [Fact]
    public void A_suggestion_never_points_at_a_key_the_checkpoint_already_provides()
    {
        string source = Model("    private LayerNorm norm = nn.LayerNorm(2);\n    private Linear proj = nn.Linear(2, 2);");
        string manifest = "norm.weight F32 [2]\nnorm.wieght F32 [2]\nproj.weight F32 [2,2]\nproj.bias F32 [2]\nnorm.bais F32 [2]\n";
        var result = Run(source, [new TestManifest("/ckpt/m.manifest", manifest, "Demo.M")]);

        var unmapped = result.Reported.Where(d => d.Id == "MG0006").ToDictionary(d => d.GetMessage().Split('\'')[1]);
        Assert.DoesNotContain("did you mean", unmapped["norm.wieght"].GetMessage());
        // norm.bias is missing, so it is still a fair suggestion for the typo that took its place.
        Assert.EndsWith("did you mean 'norm.bias'?", unmapped["norm.bais"].GetMessage());
    }

    [Fact]
    public void A_suggestion_skips_list_entries_the_checkpoint_provides_at_that_index()
    {
        string source = Model("    private ModuleList<Linear> layers = new ModuleList<Linear>(nn.Linear(2, 2), nn.Linear(2, 2));");
        string manifest = "layers.0.weight F32 [2,2]\nlayers.0.bias F32 [2]\nlayers.0.bais F32 [2]\nlayers.1.weight F32 [2,2]\nlayers.1.bais F32 [2]\n";
        var result = Run(source, [new TestManifest("/ckpt/m.manifest", manifest, "Demo.M")]);

        // Grouped by shape, the first key decides: layers.0.bias exists, so no suggestion for layers.0.bais.
        Assert.DoesNotContain("did you mean", Single(result, "MG0006").GetMessage());
    }

    [Fact]
    public void MG0013_on_a_buffer_named_like_a_computed_one_mentions_ComputedBuffer()
    {
        string source = Model("    private Tensor inv_freq = torch.ones(2);\n    private Tensor table = torch.ones(2);\n    private Linear proj = nn.Linear(2, 2);");
        var result = Run(source, [new TestManifest("/ckpt/m.manifest", "proj.weight F32 [2,2]\nproj.bias F32 [2]\n", "Demo.M")]);

        var found = result.Reported.Where(d => d.Id == "MG0013").ToDictionary(d => d.GetMessage().Split('\'')[1]);
        Assert.EndsWith("add [Initializer]; 'inv_freq' is usually computed rather than loaded: mark the field [ComputedBuffer(nameof(Method))] to compute it after loading", found["inv_freq"].GetMessage());
        Assert.EndsWith("add [Initializer]", found["table"].GetMessage());
        Assert.All(found.Values, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
    }

    [Theory]
    [InlineData(null, "https://github.com/modelgen/modelgen/blob/main/docs/diagnostics.md#mg0004")]
    [InlineData("https://docs.example.org/modelgen/{id}.html", "https://docs.example.org/modelgen/mg0004.html")]
    [InlineData("https://docs.example.org/diagnostics.md", "https://docs.example.org/diagnostics.md#mg0004")]
    [InlineData("https://docs.example.org/diagnostics.md#", "https://docs.example.org/diagnostics.md#mg0004")]
    public void Help_links_are_absolute_and_follow_the_msbuild_template(string? template, string expected)
    {
        string source = Model("    private Embedding tokens = nn.Embedding(3, 2);");
        var result = template is null ? Run(source, []) : Run(source, [], ("ModelGenHelpLinkRoot", template));

        Assert.Equal(expected, Single(result, "MG0004").Descriptor.HelpLinkUri);
        Assert.True(Uri.IsWellFormedUriString(expected, UriKind.Absolute));
    }
}
