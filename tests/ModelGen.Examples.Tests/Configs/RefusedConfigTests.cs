using System.Text.Json.Nodes;
using ModelGen.Examples.Tests.Reference;

namespace ModelGen.Examples.Tests.Configs;

/// <summary>
/// Configs whose math an example does not implement are refused with a message naming the field and the value,
/// instead of loading and computing other logits; a valid config with the same change left out builds.
/// </summary>
public sealed class RefusedConfigTests
{
    private const string Absent = "<absent>";

    public static TheoryData<string, string, string[]> Refused => new()
    {
        // Llama example: architectures it does not implement.
        { "llama", """{"model_type": "gemma"}""", ["model_type", "gemma"] },
        { "llama", """{"model_type": "qwen3_moe"}""", ["model_type", "qwen3_moe"] },
        { "llama", $$"""{"model_type": "{{Absent}}"}""", ["model_type"] },
        { "llama", """{"hidden_act": "gelu_fast"}""", ["hidden_act", "gelu_fast"] },
        // Rotary kinds it does not compute, in either place.
        { "llama", """{"rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 4096}}""", ["rope_scaling", "yarn"] },
        { "llama", """{"rope_scaling": {"type": "dynamic", "factor": 2.0}}""", ["rope_scaling", "dynamic"] },
        { "llama", """{"rope_parameters": {"rope_type": "longrope", "rope_theta": 10000.0}}""", ["rope_parameters", "longrope"] },
        { "llama", """{"partial_rotary_factor": 0.5}""", ["partial_rotary_factor", "0.5"] },
        { "llama", """{"rope_parameters": {"full_attention": {"rope_type": "default", "rope_theta": 10000.0}, "sliding_attention": {"rope_type": "default", "rope_theta": 1000.0}}}""", ["rope_parameters", "full_attention"] },
        // Both places written and disagreeing: which wins depends on the transformers version.
        { "llama", """{"rope_theta": 10000.0, "rope_parameters": {"rope_type": "default", "rope_theta": 500000.0}}""", ["rope_theta", "10000", "500000"] },
        { "llama", """{"rope_scaling": {"rope_type": "linear", "factor": 2.0}, "rope_parameters": {"rope_type": "linear", "factor": 4.0}}""", ["rope_scaling", "rope_parameters", "factor 2", "factor 4"] },
        { "llama", """{"rope_scaling": {"rope_type": "linear", "factor": 2.0}, "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0}}""", ["rope_scaling", "rope_parameters", "default"] },
        // Required fields of a kind it does compute.
        { "llama", """{"rope_scaling": {"rope_type": "llama3", "factor": 8.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}}""", ["rope_scaling.low_freq_factor"] },
        { "llama", """{"rope_parameters": {"rope_type": "linear"}}""", ["rope_parameters.factor"] },
        // Qwen2 layer types other than full and sliding attention.
        { "qwen2", """{"use_sliding_window": true, "layer_types": ["full_attention", "chunked_attention"]}""", ["layer_types", "chunked_attention"] },
        // Qwen3-MoE example.
        { "qwen3_moe", """{"model_type": "llama"}""", ["model_type", "llama"] },
        { "qwen3_moe", """{"hidden_act": "tanh"}""", ["hidden_act", "tanh"] },
        { "qwen3_moe", """{"rope_scaling": {"rope_type": "yarn", "factor": 4.0}}""", ["rope_scaling", "yarn"] },
        { "qwen3_moe", """{"rope_theta": 1000000.0, "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0}}""", ["rope_theta", "1000000", "10000"] },
        { "qwen3_moe", """{"use_sliding_window": true, "sliding_window": 4, "max_window_layers": 1}""", ["use_sliding_window", "max_window_layers"] },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void ConfigIsRefusedNamingTheFieldAndValue(string modelType, string change, string[] expected)
    {
        var recipe = ExampleInProcess.RecipeFor(modelType);
        string valid = Config(modelType, "{}");
        ExampleInProcess.Build(recipe, valid);

        var error = Assert.Throws<FormatException>(() => ExampleInProcess.Build(recipe, Config(modelType, change)));
        Assert.All(expected, fragment => Assert.Contains(fragment, error.Message, StringComparison.Ordinal));
    }

    public static TheoryData<string, string> Accepted => new()
    {
        { "llama", """{"hidden_act": "swish", "rope_scaling": null, "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0}}""" },
        { "llama", """{"rope_theta": 500000.0, "rope_parameters": {"rope_type": "default", "rope_theta": 500000.0}, "partial_rotary_factor": 1.0}""" },
        { "mistral", """{"attention_bias": true, "sliding_window": null}""" },
        { "qwen2", """{"use_sliding_window": false, "max_window_layers": 1}""" },
        { "qwen3_moe", """{"use_sliding_window": false, "max_window_layers": 48, "rope_scaling": {"rope_type": "linear", "factor": 2.0}}""" },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void NeighbouringConfigBuilds(string modelType, string change) =>
        ExampleInProcess.Build(ExampleInProcess.RecipeFor(modelType), Config(modelType, change));

    /// <summary>A tiny valid config of <paramref name="modelType"/> with <paramref name="change"/>'s fields set (or removed).</summary>
    private static string Config(string modelType, string change)
    {
        JsonObject config = TinyCheckpoint.BaseConfig(new ReferenceModel { ModelType = modelType });
        foreach (var (name, value) in JsonNode.Parse(change)!.AsObject())
        {
            if (value is JsonValue text && text.TryGetValue(out string? s) && s == Absent) config.Remove(name);
            else config[name] = value?.DeepClone();
        }
        return config.ToJsonString();
    }
}
