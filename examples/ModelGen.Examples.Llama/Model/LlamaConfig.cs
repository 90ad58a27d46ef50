using System.Text.Json.Serialization;
using ModelGen.Examples.Modeling;

namespace ModelGen.Examples.Llama.Model;

/// <summary>The fields of a Hugging Face Llama-family <c>config.json</c> that shape the model.</summary>
public sealed record LlamaConfig
{
    /// <summary><c>model_type</c>: <c>llama</c>, <c>mistral</c> or <c>qwen2</c>.</summary>
    [JsonPropertyName("model_type")]
    public string ModelType { get; init; } = "llama";

    /// <summary><c>vocab_size</c>.</summary>
    [JsonPropertyName("vocab_size")]
    public required int VocabSize { get; init; }

    /// <summary><c>hidden_size</c>.</summary>
    [JsonPropertyName("hidden_size")]
    public required int HiddenSize { get; init; }

    /// <summary><c>intermediate_size</c> of the SwiGLU MLP.</summary>
    [JsonPropertyName("intermediate_size")]
    public required int IntermediateSize { get; init; }

    /// <summary><c>num_hidden_layers</c>.</summary>
    [JsonPropertyName("num_hidden_layers")]
    public required int NumHiddenLayers { get; init; }

    /// <summary><c>num_attention_heads</c> (query heads).</summary>
    [JsonPropertyName("num_attention_heads")]
    public required int NumAttentionHeads { get; init; }

    /// <summary><c>num_key_value_heads</c> (grouped-query attention when below the query heads).</summary>
    [JsonPropertyName("num_key_value_heads")]
    public required int NumKeyValueHeads { get; init; }

    /// <summary><c>head_dim</c>; hidden_size / num_attention_heads when the config has none.</summary>
    [JsonPropertyName("head_dim")]
    public required int HeadDim { get; init; }

    /// <summary><c>rms_norm_eps</c>.</summary>
    [JsonPropertyName("rms_norm_eps")]
    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary><c>rope_theta</c> (top level or in <c>rope_parameters</c>).</summary>
    [JsonPropertyName("rope_theta")]
    public double RopeTheta { get; init; } = 10000.0;

    /// <summary>The rotary scaling (<c>rope_scaling</c> or <c>rope_parameters</c>), or <see langword="null"/> for none.</summary>
    public RopeScaling? RopeScaling { get; init; }

    /// <summary><c>hidden_act</c> of the MLP.</summary>
    public HiddenActivation HiddenAct { get; init; } = HiddenActivation.SiLU;

    /// <summary>The sliding-window size of the layers that use one, or <see langword="null"/> when none does.</summary>
    public int? SlidingWindow { get; init; }

    /// <summary>Which layers attend through <see cref="SlidingWindow"/> (by index; missing entries are full attention).</summary>
    public IReadOnlyList<bool> SlidingLayers { get; init; } = [];

    /// <summary>The window of layer <paramref name="layer"/>, or <see langword="null"/> for full causal attention.</summary>
    public int? WindowOf(int layer) => layer < SlidingLayers.Count && SlidingLayers[layer] ? SlidingWindow : null;

    /// <summary><c>tie_word_embeddings</c>: the LM head shares the token embedding.</summary>
    [JsonPropertyName("tie_word_embeddings")]
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Whether the q/k/v projections have biases (Llama: <c>attention_bias</c>; Qwen2: always; Mistral: never).</summary>
    public bool AttentionBias { get; init; }

    /// <summary>Whether the output projection has a bias (Llama: <c>attention_bias</c>; Qwen2 and Mistral: never).</summary>
    public bool OutputProjectionBias { get; init; }

    /// <summary>Whether the MLP projections have biases (Llama: <c>mlp_bias</c>; Qwen2 and Mistral: never).</summary>
    public bool MlpBias { get; init; }

    /// <summary><c>torch_dtype</c> (or <c>dtype</c>) as written in the config.</summary>
    [JsonPropertyName("torch_dtype")]
    public string? TorchDType { get; init; }

    /// <summary>Checks the relations between the sizes.</summary>
    /// <exception cref="FormatException">A size is not positive or the heads do not group.</exception>
    public void Validate()
    {
        foreach (var (name, value) in new[]
                 {
                     ("vocab_size", VocabSize), ("hidden_size", HiddenSize), ("intermediate_size", IntermediateSize),
                     ("num_hidden_layers", NumHiddenLayers), ("num_attention_heads", NumAttentionHeads),
                     ("num_key_value_heads", NumKeyValueHeads), ("head_dim", HeadDim),
                 })
        {
            if (value <= 0) throw new FormatException($"config.json field '{name}' must be positive, not {value}.");
        }
        if (NumAttentionHeads % NumKeyValueHeads != 0)
            throw new FormatException($"num_attention_heads ({NumAttentionHeads}) must be a multiple of num_key_value_heads ({NumKeyValueHeads}).");
        if (HeadDim % 2 != 0)
            throw new FormatException($"head_dim ({HeadDim}) must be even for rotary embeddings.");
        if (SlidingWindow is <= 0)
            throw new FormatException($"config.json field 'sliding_window' must be positive, not {SlidingWindow}.");
    }

    /// <summary>Parameters (elements) of the weights, counting a tied head once.</summary>
    public long ParameterCount
    {
        get
        {
            long embedding = (long)VocabSize * HiddenSize;
            long q = (long)HiddenSize * NumAttentionHeads * HeadDim, kv = (long)HiddenSize * NumKeyValueHeads * HeadDim;
            long layer = 2 * q + 2 * kv + 3L * HiddenSize * IntermediateSize + 2L * HiddenSize;
            if (AttentionBias) layer += (long)(NumAttentionHeads + 2 * NumKeyValueHeads) * HeadDim;
            if (OutputProjectionBias) layer += HiddenSize;
            if (MlpBias) layer += 2L * IntermediateSize + HiddenSize;
            return embedding * (TieWordEmbeddings ? 1 : 2) + NumHiddenLayers * layer + HiddenSize;
        }
    }
}
