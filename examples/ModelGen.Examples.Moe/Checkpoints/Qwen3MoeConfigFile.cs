using System.Text.Json;
using System.Text.Json.Nodes;
using ModelGen.Examples.Checkpoints;
using ModelGen.Examples.Moe.Model;

namespace ModelGen.Examples.Moe.Checkpoints;

/// <summary>Reads and writes the Qwen3-MoE <c>config.json</c> the way transformers lays it out.</summary>
public static class Qwen3MoeConfigFile
{
    /// <summary>Parses <paramref name="json"/>, applying transformers' defaults for absent optional fields.</summary>
    /// <exception cref="FormatException">A required field is missing, a value is out of range, or the config asks for dense layers or biases.</exception>
    public static Qwen3MoeConfig Read(string json)
    {
        ConfigJson c = ConfigJson.Parse(json);
        // Every layer of this model is sparse, as in the released Qwen3-MoE models; dense layers would need another block.
        if (c.HasNonEmpty("mlp_only_layers"))
            throw new FormatException("config.json lists mlp_only_layers: dense layers between MoE layers are not supported by this example.");
        int sparseStep = c.OptionalInt("decoder_sparse_step") ?? 1;
        if (sparseStep != 1)
            throw new FormatException($"config.json has decoder_sparse_step {sparseStep}: only every-layer MoE (1) is supported by this example.");
        if (c.Bool("attention_bias", false))
            throw new FormatException("config.json sets attention_bias: Qwen3-MoE projections without biases are supported by this example.");

        int heads = c.Int("num_attention_heads");
        int hidden = c.Int("hidden_size");
        var config = new Qwen3MoeConfig
        {
            VocabSize = c.Int("vocab_size"),
            HiddenSize = hidden,
            NumHiddenLayers = c.Int("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = c.OptionalInt("num_key_value_heads") ?? heads,
            HeadDim = c.OptionalInt("head_dim") ?? (heads > 0 ? hidden / heads : 0),
            NumExperts = c.Int("num_experts"),
            NumExpertsPerToken = c.Int("num_experts_per_tok"),
            MoeIntermediateSize = c.Int("moe_intermediate_size"),
            NormTopKProb = c.Bool("norm_topk_prob", false),
            RmsNormEps = c.Double("rms_norm_eps", 1e-6),
            RopeTheta = c.Double("rope_theta", 10000.0),
            TieWordEmbeddings = c.Bool("tie_word_embeddings", false),
            TorchDType = c.String("torch_dtype") ?? c.String("dtype"),
        };
        config.Validate();
        return config;
    }

    /// <summary>The <c>config.json</c> text of <paramref name="config"/>, indented, fields in transformers' names.</summary>
    public static string Write(Qwen3MoeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray("Qwen3MoeForCausalLM"),
            ["model_type"] = "qwen3_moe",
            ["vocab_size"] = config.VocabSize,
            ["hidden_size"] = config.HiddenSize,
            ["num_hidden_layers"] = config.NumHiddenLayers,
            ["num_attention_heads"] = config.NumAttentionHeads,
            ["num_key_value_heads"] = config.NumKeyValueHeads,
            ["head_dim"] = config.HeadDim,
            ["num_experts"] = config.NumExperts,
            ["num_experts_per_tok"] = config.NumExpertsPerToken,
            ["moe_intermediate_size"] = config.MoeIntermediateSize,
            ["norm_topk_prob"] = config.NormTopKProb,
            ["decoder_sparse_step"] = 1,
            ["mlp_only_layers"] = new JsonArray(),
            ["hidden_act"] = "silu",
            ["rms_norm_eps"] = config.RmsNormEps,
            ["rope_theta"] = config.RopeTheta,
            ["attention_bias"] = false,
            ["tie_word_embeddings"] = config.TieWordEmbeddings,
            ["torch_dtype"] = config.TorchDType,
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>
    /// A Qwen3-MoE-shaped config of about <paramref name="sizeMib"/> MiB in <paramref name="dtype"/>: Qwen3-30B-A3B's
    /// routing (128 experts, 8 per token) at a small width (hidden 128, experts 64 wide, 8k vocabulary), as many layers
    /// as the size allows: thousands of small tensors.
    /// </summary>
    public static Qwen3MoeConfig Random(int sizeMib, TorchSharp.torch.ScalarType dtype, bool tied)
    {
        var shape = new Qwen3MoeConfig
        {
            VocabSize = 8192,
            HiddenSize = 128,
            NumHiddenLayers = 1,
            NumAttentionHeads = 4,
            NumKeyValueHeads = 2,
            HeadDim = 32,
            NumExperts = 128,
            NumExpertsPerToken = 8,
            MoeIntermediateSize = 64,
            NormTopKProb = true,
            RmsNormEps = 1e-6,
            RopeTheta = 1_000_000.0,
            TieWordEmbeddings = tied,
            TorchDType = CheckpointDTypes.HuggingFaceName(dtype),
        };
        int layers = LayerCount.ForSize(sizeMib, dtype, shape.ParameterCount, (shape with { NumHiddenLayers = 2 }).ParameterCount);
        return shape with { NumHiddenLayers = layers };
    }
}
