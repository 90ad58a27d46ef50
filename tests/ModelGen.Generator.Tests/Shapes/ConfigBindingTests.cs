using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator.Manifest;
using ModelGen.Generator.Tests.Infrastructure;

namespace ModelGen.Generator.Tests.Shapes;

/// <summary>config.json bound to a model's config properties through [JsonPropertyName]: concrete shapes and counts at build time.</summary>
public sealed class ConfigBindingTests
{
    private const string Source = """
        using System.Linq;
        using System.Text.Json.Serialization;
        using ModelGen;
        using ModelGen.Layers;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;
        namespace Demo;

        public sealed class Config
        {
            [JsonPropertyName("hidden_size")] public int Hidden { get; init; }
            [JsonPropertyName("num_attention_heads")] public int Heads { get; init; }
            [JsonPropertyName("head_dim")] public int HeadDim { get; init; }
            [JsonPropertyName("num_hidden_layers")] public int Layers { get; init; }
        }

        [ShardedModel]
        public partial class M : nn.Module<Tensor, Tensor>
        {
            private ModuleList<Attention> layers;
            public M(Config config) : base("M")
            {
                layers = new ModuleList<Attention>(Enumerable.Range(0, config.Layers).Select(_ => new Attention(config)).ToArray());
                RegisterComponents();
            }
            public override Tensor forward(Tensor x) => x;
        }

        public partial class Attention : nn.Module<Tensor, Tensor>
        {
            private readonly int _width;
            private Linear q_proj;
            public Attention(Config config) : base("A")
            {
                _width = config.Heads * config.HeadDim;
                q_proj = nn.Linear(config.Hidden, _width, hasBias: false);
                RegisterComponents();
            }
            public override Tensor forward(Tensor x) => x;
        }
        """;

    private const string Manifest = "layers.0.q_proj.weight F32 [12,8]\nlayers.1.q_proj.weight F32 [12,8]\n";

    private const string Config = """
        {
          "hidden_size": 8,
          "num_attention_heads": 3,
          "head_dim": 4,
          "num_hidden_layers": 2,
          "rope_scaling": { "factor": 2.0, "type": "linear" },
          "architectures": ["M"],
          "name": "demo \"quoted\" \u00e9"
        }
        """;

    [Fact]
    public void Without_config_a_product_of_two_unknowns_is_not_checkable_and_with_it_every_shape_is_concrete()
    {
        Diagnostic summary = Assert.Single(ShapeHarness.Run(Source, Manifest).Reported);
        Assert.Equal("MG0026", summary.Id);
        Assert.Equal("Shapes of 'Demo.M' checked for 0 of 2 checkpoint keys in '/ckpt/m.manifest'; not checkable: 'layers.{i}.q_proj.weight' ('config.Heads * config.HeadDim' is not known at build time)", summary.GetMessage());

        var bound = ShapeHarness.Run(Source, Manifest, Config);

        Assert.Empty(bound.Reported);
        Assert.Empty(bound.CompilerDiagnostics);
    }

    [Fact]
    public void A_config_value_that_disagrees_with_the_checkpoint_is_reported_where_the_model_uses_it()
    {
        var result = ShapeHarness.Run(Source, Manifest, Config.Replace("\"head_dim\": 4", "\"head_dim\": 5"));

        Diagnostic d = Assert.Single(result.Reported);
        Assert.Equal("MG0020", d.Id);
        Assert.Equal("Checkpoint key 'layers.0.q_proj.weight' has shape [12, 8], but the model creates [config.Heads * config.HeadDim = 15, config.Hidden = 8] (and 1 more keys like 'layers.{i}.q_proj.weight'); "
            + "dimension 0 is config.Heads * config.HeadDim = 15 ('config.Heads' from config.json 'num_attention_heads', 'config.HeadDim' from config.json 'head_dim'), the checkpoint's 12", d.GetMessage());
        // _width is assigned once, so the assignment decides the width.
        Assert.Equal(Positions.Of(Source, "config.Heads * config.HeadDim"), Positions.Start(d));
    }

    [Fact]
    public void A_layer_count_from_config_that_disagrees_with_the_checkpoint_is_reported_at_the_list()
    {
        var result = ShapeHarness.Run(Source, Manifest, Config.Replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));

        Diagnostic d = Assert.Single(result.Reported);
        Assert.Equal("MG0022", d.Id);
        Assert.Equal("Module list 'layers' gets config.Layers = 3 ('config.Layers' from config.json 'num_hidden_layers') entries in the model but the checkpoint has 2 (indices 0 to 1, for example 'layers.1.q_proj.weight')", d.GetMessage());
        Assert.Equal(Positions.Of(Source, "new ModuleList<Attention>"), Positions.Start(d));
    }

    [Fact]
    public void MG0025_architecture_values_the_model_does_not_read()
    {
        string literal = Source.Replace("Enumerable.Range(0, config.Layers)", "Enumerable.Range(0, 2)");
        string config = Config.Replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3").Replace("\"head_dim\": 4,", "\"head_dim\": 4, \"tie_word_embeddings\": true,");

        var result = ShapeHarness.Run(literal, Manifest, config);

        var messages = result.Reported.OrderBy(d => d.Location.SourceSpan.Start).Select(d => (d.Id, d.Severity, d.GetMessage())).ToList();
        Assert.Equal([
            ("MG0025", DiagnosticSeverity.Warning, "config.json sets 'tie_word_embeddings' to true, but 'Demo.M' ties no parameter ([TiedTo]), so it expects an LM head of its own"),
            ("MG0025", DiagnosticSeverity.Warning, "config.json sets 'num_hidden_layers' to 3, but the layer list 'layers' gets 2 entries in the model"),
        ], messages);
        Assert.Equal(Positions.Of(literal, "2).Select"), Positions.Start(result.Reported.Single(d => d.GetMessage().Contains("num_hidden_layers"))));
        Assert.Empty(ShapeHarness.Run(literal, Manifest, Config).Reported);
    }

    [Fact]
    public void MG0027_an_invalid_config_is_reported_at_its_line_and_binds_nothing()
    {
        var result = ShapeHarness.Run(Source, Manifest, "{\n  \"hidden_size\": 8,\n  \"head_dim\" 4\n}\n");

        Diagnostic d = Assert.Single(result.Reported, x => x.Id == "MG0027");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal("Model config '/ckpt/config.json' is invalid: line 3: expected ':' after property name 'head_dim'", d.GetMessage());
        Assert.Equal("/ckpt/config.json", Positions.PathOf(d));
        Assert.Equal(2, Positions.Start(d).Line);
        Assert.Contains(result.Reported, x => x.Id == "MG0026");
    }

    [Theory]
    [InlineData("[1]", "expected a JSON object")]
    [InlineData("{\"a\": 1,}", "expected a property name")]
    [InlineData("{\"a\": [1, 2}", "expected ',' or ']'")]
    [InlineData("{\"a\": tru}", "unexpected character")]
    [InlineData("{\"a\": \"x}", "unterminated string")]
    [InlineData("{\"a\": 01}", "expected ',' or '}'")]
    [InlineData("{\"a\": 1} x", "unexpected text after")]
    [InlineData("{\"a\": \"\\q\"}", "invalid escape")]
    public void The_config_reader_rejects_invalid_json(string json, string reason)
    {
        ConfigSpec spec = ConfigParser.Parse("c.json", "Demo.M", SourceText.From(json));

        Assert.Contains(reason, Assert.Single(spec.Diagnostics).Arguments[1]);
        Assert.Empty(spec.Values);
    }

    [Fact]
    public void The_config_reader_keeps_scalars_by_dotted_path_with_positions()
    {
        ConfigSpec spec = ConfigParser.Parse("c.json", "Demo.M", SourceText.From(Config));

        Assert.Empty(spec.Diagnostics);
        Assert.Equal(8, spec.Find("hidden_size")!.Integer);
        Assert.Equal("2.0", spec.Find("rope_scaling.factor")!.Text);
        Assert.Null(spec.Find("rope_scaling.factor")!.Integer);
        Assert.Equal("linear", spec.Find("rope_scaling.type")!.Text);
        Assert.Equal("demo \"quoted\" é", spec.Find("name")!.Text);
        Assert.Null(spec.Find("architectures"));
        Assert.Equal(1, spec.Find("hidden_size")!.Line);
        Assert.Equal(17, spec.Find("hidden_size")!.Column);
        Assert.Equal(ConfigParser.Parse("c.json", "Demo.M", SourceText.From(Config)), spec);
    }
}
