using System.Text.Json.Serialization;
using ModelGen.Examples.Modeling;

namespace ModelGen.Examples.Moe.Model;

/// <summary>The fields of a Hugging Face Qwen3-MoE <c>config.json</c> that shape the model.</summary>
public sealed record Qwen3MoeConfig
{
    /// <summary><c>vocab_size</c>.</summary>
    [JsonPropertyName("vocab_size")]
    public required int VocabSize { get; init; }

    /// <summary><c>hidden_size</c>.</summary>
    [JsonPropertyName("hidden_size")]
    public required int HiddenSize { get; init; }

    /// <summary><c>num_hidden_layers</c>; every layer is sparse (an MoE block).</summary>
    [JsonPropertyName("num_hidden_layers")]
    public required int NumHiddenLayers { get; init; }

    /// <summary><c>num_attention_heads</c>.</summary>
    [JsonPropertyName("num_attention_heads")]
    public required int NumAttentionHeads { get; init; }

    /// <summary><c>num_key_value_heads</c>.</summary>
    [JsonPropertyName("num_key_value_heads")]
    public required int NumKeyValueHeads { get; init; }

    /// <summary><c>head_dim</c> (Qwen3 sets it explicitly; it need not be hidden / heads).</summary>
    [JsonPropertyName("head_dim")]
    public required int HeadDim { get; init; }

    /// <summary><c>num_experts</c> per layer.</summary>
    [JsonPropertyName("num_experts")]
    public required int NumExperts { get; init; }

    /// <summary><c>num_experts_per_tok</c>: experts each token is routed to.</summary>
    [JsonPropertyName("num_experts_per_tok")]
    public required int NumExpertsPerToken { get; init; }

    /// <summary><c>moe_intermediate_size</c>: the hidden width of each expert.</summary>
    [JsonPropertyName("moe_intermediate_size")]
    public required int MoeIntermediateSize { get; init; }

    /// <summary><c>norm_topk_prob</c>: renormalize the top-k routing weights to sum to one.</summary>
    [JsonPropertyName("norm_topk_prob")]
    public bool NormTopKProb { get; init; } = true;

    /// <summary><c>rms_norm_eps</c>.</summary>
    [JsonPropertyName("rms_norm_eps")]
    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary><c>rope_theta</c> (top level or in <c>rope_parameters</c>).</summary>
    [JsonPropertyName("rope_theta")]
    public double RopeTheta { get; init; } = 1_000_000.0;

    /// <summary>The rotary scaling (<c>rope_scaling</c> or <c>rope_parameters</c>), or <see langword="null"/> for none.</summary>
    public RopeScaling? RopeScaling { get; init; }

    /// <summary><c>hidden_act</c> of the experts.</summary>
    public HiddenActivation HiddenAct { get; init; } = HiddenActivation.SiLU;

    /// <summary>The sliding window of every layer (<c>sliding_window</c> when <c>use_sliding_window</c>), or <see langword="null"/>.</summary>
    [JsonPropertyName("sliding_window")]
    public int? SlidingWindow { get; init; }

    /// <summary><c>tie_word_embeddings</c>.</summary>
    [JsonPropertyName("tie_word_embeddings")]
    public bool TieWordEmbeddings { get; init; }

    /// <summary><c>torch_dtype</c> (or <c>dtype</c>).</summary>
    [JsonPropertyName("torch_dtype")]
    public string? TorchDType { get; init; }

    /// <summary>Checks sizes and relations.</summary>
    /// <exception cref="FormatException">A size is not positive, the heads do not group, or top-k exceeds the experts.</exception>
    public void Validate()
    {
        foreach (var (name, value) in new[]
                 {
                     ("vocab_size", VocabSize), ("hidden_size", HiddenSize), ("num_hidden_layers", NumHiddenLayers),
                     ("num_attention_heads", NumAttentionHeads), ("num_key_value_heads", NumKeyValueHeads), ("head_dim", HeadDim),
                     ("num_experts", NumExperts), ("num_experts_per_tok", NumExpertsPerToken), ("moe_intermediate_size", MoeIntermediateSize),
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
        if (NumExpertsPerToken > NumExperts)
            throw new FormatException($"num_experts_per_tok ({NumExpertsPerToken}) exceeds num_experts ({NumExperts}).");
    }

    /// <summary>Parameters (elements) of the weights, counting a tied head once.</summary>
    public long ParameterCount
    {
        get
        {
            long embedding = (long)VocabSize * HiddenSize;
            long q = (long)HiddenSize * NumAttentionHeads * HeadDim, kv = (long)HiddenSize * NumKeyValueHeads * HeadDim;
            long attention = 2 * q + 2 * kv + 2L * HeadDim;
            long moe = (long)NumExperts * HiddenSize + (long)NumExperts * 3 * HiddenSize * MoeIntermediateSize;
            long layer = attention + moe + 2L * HiddenSize;
            return embedding * (TieWordEmbeddings ? 1 : 2) + NumHiddenLayers * layer + HiddenSize;
        }
    }

    /// <summary>Checkpoint keys (tensors) a checkpoint of this model holds.</summary>
    public long KeyCount => (TieWordEmbeddings ? 2 : 3) + (long)NumHiddenLayers * (4 + 2 + 2 + 1 + 3L * NumExperts);
}
