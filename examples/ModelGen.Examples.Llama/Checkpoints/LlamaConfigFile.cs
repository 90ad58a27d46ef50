using System.Text.Json;
using System.Text.Json.Nodes;
using ModelGen.Examples.Checkpoints;
using ModelGen.Examples.Llama.Model;

namespace ModelGen.Examples.Llama.Checkpoints;

/// <summary>Reads and writes the Llama-family <c>config.json</c> the way transformers lays it out.</summary>
public static class LlamaConfigFile
{
    /// <summary>Parses <paramref name="json"/>, applying transformers' defaults for absent optional fields.</summary>
    /// <exception cref="FormatException">A required field is missing or a value is out of range.</exception>
    public static LlamaConfig Read(string json)
    {
        ConfigJson c = ConfigJson.Parse(json);
        string modelType = c.String("model_type") ?? "llama";
        int heads = c.Int("num_attention_heads");
        int hidden = c.Int("hidden_size");
        // Qwen2 has biases on q/k/v (not o) and no attention_bias field; Llama's attention_bias covers all four.
        bool qwen2 = modelType == "qwen2";
        bool attentionBias = c.Bool("attention_bias", qwen2);
        var config = new LlamaConfig
        {
            ModelType = modelType,
            VocabSize = c.Int("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = c.Int("intermediate_size"),
            NumHiddenLayers = c.Int("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = c.OptionalInt("num_key_value_heads") ?? heads,
            HeadDim = c.OptionalInt("head_dim") ?? (heads > 0 ? hidden / heads : 0),
            RmsNormEps = c.Double("rms_norm_eps", 1e-6),
            RopeTheta = c.Double("rope_theta", 10000.0),
            RopeScaling = ReadRopeScaling(c.Object("rope_scaling")),
            TieWordEmbeddings = c.Bool("tie_word_embeddings", false),
            AttentionBias = attentionBias,
            OutputProjectionBias = attentionBias && !qwen2,
            MlpBias = c.Bool("mlp_bias", false),
            TorchDType = c.String("torch_dtype") ?? c.String("dtype"),
        };
        config.Validate();
        return config;
    }

    /// <summary>The <c>config.json</c> text of <paramref name="config"/>, indented, fields in transformers' names.</summary>
    public static string Write(LlamaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"),
            ["model_type"] = config.ModelType,
            ["vocab_size"] = config.VocabSize,
            ["hidden_size"] = config.HiddenSize,
            ["intermediate_size"] = config.IntermediateSize,
            ["num_hidden_layers"] = config.NumHiddenLayers,
            ["num_attention_heads"] = config.NumAttentionHeads,
            ["num_key_value_heads"] = config.NumKeyValueHeads,
            ["head_dim"] = config.HeadDim,
            ["hidden_act"] = "silu",
            ["rms_norm_eps"] = config.RmsNormEps,
            ["rope_theta"] = config.RopeTheta,
            ["attention_bias"] = config.AttentionBias,
            ["mlp_bias"] = config.MlpBias,
            ["tie_word_embeddings"] = config.TieWordEmbeddings,
            ["torch_dtype"] = config.TorchDType,
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>
    /// A Llama-shaped config of about <paramref name="sizeMib"/> MiB in <paramref name="dtype"/>: a 32k vocabulary,
    /// hidden size 1024, 16 query heads over 4 key/value heads, and as many layers as the size allows (at least one).
    /// </summary>
    public static LlamaConfig Random(int sizeMib, TorchSharp.torch.ScalarType dtype, bool tied)
    {
        var shape = new LlamaConfig
        {
            VocabSize = 32000,
            HiddenSize = 1024,
            IntermediateSize = 2816,
            NumHiddenLayers = 1,
            NumAttentionHeads = 16,
            NumKeyValueHeads = 4,
            HeadDim = 64,
            RmsNormEps = 1e-5,
            RopeTheta = 10000.0,
            TieWordEmbeddings = tied,
            TorchDType = CheckpointDTypes.HuggingFaceName(dtype),
        };
        int layers = LayerCount.ForSize(sizeMib, dtype, shape.ParameterCount, (shape with { NumHiddenLayers = 2 }).ParameterCount);
        return shape with { NumHiddenLayers = layers };
    }

    private static RopeScaling? ReadRopeScaling(ConfigJson? scaling)
    {
        if (scaling is null) return null;
        string kind = scaling.String("rope_type") ?? scaling.String("type") ?? "default";
        var result = new RopeScaling(
            kind,
            scaling.Double("factor", 1.0),
            scaling.Double("low_freq_factor", 1.0),
            scaling.Double("high_freq_factor", 4.0),
            scaling.OptionalInt("original_max_position_embeddings") ?? 8192);
        if (!RopeScaling.Supported.Contains(kind))
            throw new FormatException($"rope_scaling type '{kind}' is not supported (supported: {string.Join(", ", RopeScaling.Supported)}).");
        return result;
    }
}
