using TorchSharp;

namespace ModelGen.Benchmarks.Checkpoints;

/// <summary>
/// Tensor names and shapes of a Llama-style decoder (Hugging Face key names), with as many layers as it takes to
/// reach a requested parameter size. The benchmarks use it so that tensor count and sizes look like a real model's.
/// </summary>
internal sealed record LlamaShapes(int Hidden, int Intermediate, int Heads, int KeyValueHeads, int Vocab, int Layers)
{
    public static LlamaShapes ForParameterBytes(long targetBytes, int elementSize)
    {
        var probe = new LlamaShapes(Hidden: 2048, Intermediate: 5632, Heads: 32, KeyValueHeads: 8, Vocab: 32000, Layers: 1);
        long embedding = (long)probe.Vocab * probe.Hidden * elementSize;
        long perLayer = probe.LayerElements() * elementSize;
        int layers = (int)Math.Max(1, Math.Ceiling((targetBytes - 2.0 * embedding) / perLayer));
        return probe with { Layers = layers };
    }

    private int HeadDim => Hidden / Heads;

    private long LayerElements() => Tensors().Where(t => t.Name.StartsWith("model.layers.0.", StringComparison.Ordinal)).Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));

    /// <summary>Every tensor of the model in Hugging Face order.</summary>
    public IEnumerable<(string Name, long[] Shape)> Tensors()
    {
        yield return ("model.embed_tokens.weight", [Vocab, Hidden]);
        for (int i = 0; i < Layers; i++)
        {
            string p = $"model.layers.{i}.";
            yield return (p + "input_layernorm.weight", [Hidden]);
            yield return (p + "self_attn.q_proj.weight", [Heads * HeadDim, Hidden]);
            yield return (p + "self_attn.k_proj.weight", [KeyValueHeads * HeadDim, Hidden]);
            yield return (p + "self_attn.v_proj.weight", [KeyValueHeads * HeadDim, Hidden]);
            yield return (p + "self_attn.o_proj.weight", [Hidden, Heads * HeadDim]);
            yield return (p + "post_attention_layernorm.weight", [Hidden]);
            yield return (p + "mlp.gate_proj.weight", [Intermediate, Hidden]);
            yield return (p + "mlp.up_proj.weight", [Intermediate, Hidden]);
            yield return (p + "mlp.down_proj.weight", [Hidden, Intermediate]);
        }
        yield return ("model.norm.weight", [Hidden]);
        yield return ("lm_head.weight", [Vocab, Hidden]);
    }

    public static torch.ScalarType ParseDType(string name) => name.ToLowerInvariant() switch
    {
        "bf16" or "bfloat16" => torch.ScalarType.BFloat16,
        "f16" or "float16" => torch.ScalarType.Float16,
        "f32" or "float32" => torch.ScalarType.Float32,
        _ => throw new ArgumentException($"unknown dtype '{name}' (use bf16, f16 or f32)"),
    };
}
