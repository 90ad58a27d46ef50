using System.Text.Json;
using System.Text.Json.Nodes;
using ModelGen.Examples.Checkpoints;
using ModelGen.Examples.Llama.Model;
using ModelGen.Examples.Modeling;

namespace ModelGen.Examples.Llama.Checkpoints;

/// <summary>Reads and writes the Llama-family <c>config.json</c> the way transformers lays it out.</summary>
public static class LlamaConfigFile
{
    /// <summary>The <c>model_type</c> values whose math this example implements.</summary>
    public static readonly IReadOnlyList<string> ModelTypes = ["llama", "mistral", "qwen2"];

    /// <summary>
    /// Parses <paramref name="json"/> as transformers reads it for its <c>model_type</c>, applying its defaults for
    /// absent optional fields. What differs between the three types: Llama's biases follow <c>attention_bias</c> (q/k/v/o)
    /// and <c>mlp_bias</c>; Mistral has no biases (transformers does not read either field) and a sliding window on
    /// every layer; Qwen2 always has q/k/v biases (never o or MLP) and slides on the layers from
    /// <c>max_window_layers</c> on when <c>use_sliding_window</c> is set (or as <c>layer_types</c> lists).
    /// </summary>
    /// <exception cref="FormatException">
    /// A required field is missing, a value is out of range, or the config asks for math this example does not
    /// implement (another <c>model_type</c>, <c>hidden_act</c> or rotary kind); the message names the field and value.
    /// </exception>
    public static LlamaConfig Read(string json)
    {
        ConfigJson c = ConfigJson.Parse(json);
        string modelType = c.String("model_type") ?? throw new FormatException(
            $"config.json has no 'model_type': the Llama example implements {string.Join(", ", ModelTypes)} and must know which one it loads.");
        if (!ModelTypes.Contains(modelType))
        {
            throw new FormatException(
                $"config.json field 'model_type' is '{modelType}': the Llama example implements {string.Join(", ", ModelTypes)} " +
                "(qwen3_moe has its own example); other architectures compute different logits.");
        }
        int heads = c.Int("num_attention_heads");
        int hidden = c.Int("hidden_size");
        int layers = c.Int("num_hidden_layers");
        RotaryConfig rotary = RotaryConfig.Read(c, 10000.0);
        bool llama = modelType == "llama", qwen2 = modelType == "qwen2";
        bool attentionBias = llama ? c.Bool("attention_bias", false) : qwen2;
        (int? window, bool[] sliding) = modelType switch
        {
            "mistral" => MistralWindow(c, layers),
            "qwen2" => Qwen2Window(c, layers),
            _ => ((int?)null, Array.Empty<bool>()),
        };
        var config = new LlamaConfig
        {
            ModelType = modelType,
            VocabSize = c.Int("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = c.Int("intermediate_size"),
            NumHiddenLayers = layers,
            NumAttentionHeads = heads,
            NumKeyValueHeads = c.OptionalInt("num_key_value_heads") ?? heads,
            HeadDim = c.OptionalInt("head_dim") ?? (heads > 0 ? hidden / heads : 0),
            RmsNormEps = c.Double("rms_norm_eps", 1e-6),
            RopeTheta = rotary.Theta,
            RopeScaling = rotary.Scaling,
            HiddenAct = HiddenActivation.Parse(c.String("hidden_act")),
            SlidingWindow = window,
            SlidingLayers = sliding,
            TieWordEmbeddings = c.Bool("tie_word_embeddings", false),
            AttentionBias = attentionBias,
            OutputProjectionBias = llama && attentionBias,
            MlpBias = llama && c.Bool("mlp_bias", false),
            TorchDType = c.String("torch_dtype") ?? c.String("dtype"),
        };
        config.Validate();
        return config;
    }

    /// <summary>Mistral: <c>sliding_window</c> on every layer; 4096 when absent, none when <c>null</c>.</summary>
    private static (int?, bool[]) MistralWindow(ConfigJson c, int layers)
    {
        int? window = c.IsNull("sliding_window") ? null : c.OptionalInt("sliding_window") ?? 4096;
        return (window, Enumerable.Repeat(window is not null, Math.Max(0, layers)).ToArray());
    }

    /// <summary>
    /// Qwen2: no window unless <c>use_sliding_window</c>; then <c>sliding_window</c> (4096 when absent) on the layers
    /// <c>layer_types</c> marks <c>sliding_attention</c>, or on layers from <c>max_window_layers</c> (28) on.
    /// </summary>
    private static (int?, bool[]) Qwen2Window(ConfigJson c, int layers)
    {
        IReadOnlyList<string>? types = c.StringArray("layer_types");
        if (types is not null)
        {
            if (types.Count != layers)
                throw new FormatException($"config.json field 'layer_types' has {types.Count} entries for {layers} layers (num_hidden_layers).");
            if (types.FirstOrDefault(t => t is not ("full_attention" or "sliding_attention")) is { } other)
                throw new FormatException($"config.json field 'layer_types' has '{other}': this example implements full_attention and sliding_attention.");
        }
        if (!c.Bool("use_sliding_window", false)) return (null, []);
        int? window = c.IsNull("sliding_window") ? null : c.OptionalInt("sliding_window") ?? 4096;
        if (window is null) return (null, []);
        int firstSliding = c.OptionalInt("max_window_layers") ?? 28;
        bool[] sliding = types is not null
            ? types.Select(t => t == "sliding_attention").ToArray()
            : Enumerable.Range(0, Math.Max(0, layers)).Select(i => i >= firstSliding).ToArray();
        return (window, sliding);
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
            ["hidden_act"] = config.HiddenAct.Name,
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
}
