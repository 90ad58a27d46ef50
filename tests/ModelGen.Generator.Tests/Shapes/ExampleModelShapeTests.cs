using Microsoft.CodeAnalysis;
using ModelGen.Generator.Tests.Infrastructure;

namespace ModelGen.Generator.Tests.Shapes;

/// <summary>
/// The examples' models, compiled from examples/ as they are, against their committed manifests and a config.json
/// describing the checkpoint those manifests were written from: clean, with every shape checked.
/// </summary>
public sealed class ExampleModelShapeTests
{
    private const string ImplicitUsings = "global using System; global using System.Collections.Generic; global using System.Linq;";

    private const string LlamaConfig = """
        {
          "architectures": ["LlamaForCausalLM"], "model_type": "llama",
          "vocab_size": 32000, "hidden_size": 1024, "intermediate_size": 2816, "num_hidden_layers": 13,
          "num_attention_heads": 16, "num_key_value_heads": 4, "head_dim": 64, "hidden_act": "silu",
          "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "attention_bias": false, "mlp_bias": false,
          "tie_word_embeddings": false, "torch_dtype": "bfloat16"
        }
        """;

    private const string MoeConfig = """
        {
          "architectures": ["Qwen3MoeForCausalLM"], "model_type": "qwen3_moe",
          "vocab_size": 8192, "hidden_size": 128, "num_hidden_layers": 8, "num_attention_heads": 4,
          "num_key_value_heads": 2, "head_dim": 32, "num_experts": 128, "num_experts_per_tok": 8,
          "moe_intermediate_size": 64, "norm_topk_prob": true, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
          "tie_word_embeddings": false, "torch_dtype": "bfloat16"
        }
        """;

    private static Compilation Example(string name) =>
        GeneratorHarness.Compile([
            ("Usings.cs", ImplicitUsings),
            .. Sources(Path.Combine(TestPaths.RepositoryRoot, "examples", "ModelGen.Examples.Common", "Modeling")),
            .. Sources(Path.Combine(TestPaths.RepositoryRoot, "examples", name, "Model")),
        ]);

    private static IEnumerable<(string, string)> Sources(string directory) =>
        Directory.GetFiles(directory, "*.cs").Order(StringComparer.Ordinal).Select(f => (f, File.ReadAllText(f)));

    private static GeneratorResult Run(string example, string model, string? config, string? manifest = null)
    {
        manifest ??= File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "examples", example, "checkpoint.manifest"));
        return GeneratorHarness.Run(Example(example), ShapeHarness.CreateDriver(
            [new TestManifest("/ckpt/checkpoint.manifest", manifest, model)],
            config is null ? [] : [new TestConfig("/ckpt/config.json", config, model)]));
    }

    [Fact]
    public void Llama_with_its_config_and_manifest_is_clean_and_fully_checked()
    {
        var result = Run("ModelGen.Examples.Llama", "ModelGen.Examples.Llama.Model.LlamaForCausalLM", LlamaConfig);

        Assert.Empty(result.Reported);
        Assert.Empty(result.CompilerDiagnostics);
    }

    [Fact]
    public void Llama_without_config_leaves_the_attention_widths_unchecked_and_says_so()
    {
        var result = Run("ModelGen.Examples.Llama", "ModelGen.Examples.Llama.Model.LlamaForCausalLM", config: null);

        Diagnostic d = Assert.Single(result.Reported);
        Assert.Equal("MG0026", d.Id);
        Assert.StartsWith("Shapes of 'ModelGen.Examples.Llama.Model.LlamaForCausalLM' checked for 68 of 120 checkpoint keys", d.GetMessage());
        Assert.Contains("'model.layers.{i}.self_attn.q_proj.weight' ('_heads * _headDim' is not known at build time)", d.GetMessage());
    }

    [Fact]
    public void Moe_with_its_config_and_manifest_is_clean_and_fully_checked()
    {
        var result = Run("ModelGen.Examples.Moe", "ModelGen.Examples.Moe.Model.Qwen3MoeForCausalLM", MoeConfig);

        Assert.Empty(result.Reported);
        Assert.Empty(result.CompilerDiagnostics);
    }

    [Fact]
    public void Moe_shapes_are_solved_from_the_checkpoint_alone()
    {
        // q_norm gives head_dim, and then q_proj gives the head count: nothing is left unchecked.
        Assert.Empty(Run("ModelGen.Examples.Moe", "ModelGen.Examples.Moe.Model.Qwen3MoeForCausalLM", config: null).Reported);
    }

    [Fact]
    public void A_wrong_config_for_an_example_is_reported_at_the_model_code_that_uses_the_value()
    {
        var result = Run("ModelGen.Examples.Llama", "ModelGen.Examples.Llama.Model.LlamaForCausalLM",
            LlamaConfig.Replace("\"intermediate_size\": 2816", "\"intermediate_size\": 11008").Replace("\"num_hidden_layers\": 13", "\"num_hidden_layers\": 32"));

        var ids = result.Reported.Select(d => d.Id).ToList();
        Assert.Equal(["MG0020", "MG0020", "MG0020", "MG0022"], ids.Order());
        Diagnostic list = result.Reported.Single(d => d.Id == "MG0022");
        Assert.Equal("Module list 'model.layers' gets config.NumHiddenLayers = 32 ('config.NumHiddenLayers' from config.json 'num_hidden_layers') entries in the model but the checkpoint has 13 (indices 0 to 12, for example 'model.layers.12.input_layernorm.weight')", list.GetMessage());
        Assert.EndsWith("LlamaModel.cs", Positions.PathOf(list));
        Diagnostic gate = result.Reported.First(d => d.GetMessage().Contains("gate_proj"));
        Assert.EndsWith("LlamaMlp.cs", Positions.PathOf(gate));
    }
}
