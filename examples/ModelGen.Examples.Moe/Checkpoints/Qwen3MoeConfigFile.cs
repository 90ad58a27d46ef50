using System.Text.Json;
using System.Text.Json.Nodes;
using ModelGen.Examples.Checkpoints;
using ModelGen.Examples.Moe.Model;
using ModelGen.Examples.Modeling;

namespace ModelGen.Examples.Moe.Checkpoints;

/// <summary>Reads and writes the Qwen3-MoE <c>config.json</c> the way transformers lays it out.</summary>
public static class Qwen3MoeConfigFile
{
    /// <summary>The <c>model_type</c> this example implements.</summary>
    public const string ModelType = "qwen3_moe";

    /// <summary>Parses <paramref name="json"/>, applying transformers' defaults for absent optional fields.</summary>
    /// <exception cref="FormatException">
    /// A required field is missing, a value is out of range, or the config asks for what this example does not
    /// implement (another <c>model_type</c>, dense layers, biases, another <c>hidden_act</c> or rotary kind); the
    /// message names the field and value.
    /// </exception>
    public static Qwen3MoeConfig Read(string json)
    {
        ConfigJson c = ConfigJson.Parse(json);
        string modelType = c.String("model_type") ?? throw new FormatException(
            $"config.json has no 'model_type': the Qwen3-MoE example implements {ModelType} and must know what it loads.");
        if (modelType != ModelType)
        {
            throw new FormatException(
                $"config.json field 'model_type' is '{modelType}': the Qwen3-MoE example implements {ModelType} only " +
                "(llama, mistral and qwen2 go through the Llama example).");
        }
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
        RotaryConfig rotary = RotaryConfig.Read(c, 10000.0);
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
            RopeTheta = rotary.Theta,
            RopeScaling = rotary.Scaling,
            HiddenAct = HiddenActivation.Parse(c.String("hidden_act")),
            SlidingWindow = SlidingWindow(c),
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
            ["hidden_act"] = config.HiddenAct.Name,
            ["rms_norm_eps"] = config.RmsNormEps,
            ["rope_theta"] = config.RopeTheta,
            ["attention_bias"] = false,
            ["tie_word_embeddings"] = config.TieWordEmbeddings,
            ["torch_dtype"] = config.TorchDType,
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>
    /// transformers 5 applies <c>sliding_window</c> (4096 when absent, none when <c>null</c>) to every layer when
    /// <c>use_sliding_window</c> is set; 4.x releases also read <c>max_window_layers</c> and slid only the layers from it
    /// on. A config that sets both is refused, since the versions compute different logits for it.
    /// </summary>
    private static int? SlidingWindow(ConfigJson c)
    {
        if (!c.Bool("use_sliding_window", false)) return null;
        if (c.OptionalInt("max_window_layers") is { } firstSliding)
        {
            throw new FormatException(
                $"config.json sets use_sliding_window with max_window_layers {firstSliding}: transformers 5 slides every layer, 4.x only the layers from " +
                $"{firstSliding} on, and this example will not guess. Remove max_window_layers for the transformers 5 behaviour, or set use_sliding_window to false.");
        }
        return c.IsNull("sliding_window") ? null : c.OptionalInt("sliding_window") ?? 4096;
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
