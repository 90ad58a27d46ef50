using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Examples.Llama.Model;

/// <summary>
/// A Llama-family causal LM with its own LM head (<c>tie_word_embeddings: false</c>): the checkpoint holds
/// <c>lm_head.weight</c>. Older exporters also saved each layer's rotary <c>inv_freq</c>; it is recomputed instead.
/// </summary>
[ShardedModel]
[IgnoreCheckpointKeys("model.layers.*.self_attn.rotary_emb.inv_freq")]
public sealed partial class LlamaForCausalLM : nn.Module<Tensor, Tensor>
{
    private readonly LlamaModel model;
    private readonly Linear lm_head;

    /// <summary>Creates the model in <paramref name="dtype"/> on the default device (build it on meta, then load).</summary>
    public LlamaForCausalLM(LlamaConfig config, ScalarType dtype) : base(nameof(LlamaForCausalLM))
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
