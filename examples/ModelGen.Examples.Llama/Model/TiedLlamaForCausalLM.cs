using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Examples.Llama.Model;

/// <summary>
/// A Llama-family causal LM whose LM head shares the token embedding (<c>tie_word_embeddings: true</c>, as in
/// Llama 3.2 1B/3B or small Qwen2 models). Ties are declared at build time, so the tied and untied heads are two
/// roots over the same body; <see cref="LlamaRecipe"/> picks one from the config.
/// </summary>
[ShardedModel]
[IgnoreCheckpointKeys("model.layers.*.self_attn.rotary_emb.inv_freq")]
public sealed partial class TiedLlamaForCausalLM : nn.Module<Tensor, Tensor>
{
    private readonly LlamaModel model;

    [TiedTo("model.embed_tokens.weight", Parameter = "weight")]
    private readonly Linear lm_head;

    /// <summary>Creates the model in <paramref name="dtype"/> on the default device (build it on meta, then load).</summary>
    public TiedLlamaForCausalLM(LlamaConfig config, ScalarType dtype) : base(nameof(TiedLlamaForCausalLM))
    {
        ArgumentNullException.ThrowIfNull(config);
        model = new LlamaModel(config, dtype);
        lm_head = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>Logits [batch, length, vocab] of token ids [batch, length].</summary>
    public override Tensor forward(Tensor inputIds)
    {
        using var hidden = model.call(inputIds);
        return lm_head.call(hidden);
    }
}
