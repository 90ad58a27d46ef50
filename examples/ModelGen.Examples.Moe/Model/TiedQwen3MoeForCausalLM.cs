using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Examples.Moe.Model;

/// <summary>A Qwen3-MoE causal LM whose LM head shares the token embedding (<c>tie_word_embeddings: true</c>).</summary>
[ShardedModel]
public sealed partial class TiedQwen3MoeForCausalLM : nn.Module<Tensor, Tensor>
{
    private readonly Qwen3MoeModel model;

    [TiedTo("model.embed_tokens.weight", Parameter = "weight")]
    private readonly Linear lm_head;

    /// <summary>Creates the model in <paramref name="dtype"/> on the default device (build it on meta, then load).</summary>
    public TiedQwen3MoeForCausalLM(Qwen3MoeConfig config, ScalarType dtype) : base(nameof(TiedQwen3MoeForCausalLM))
    {
        ArgumentNullException.ThrowIfNull(config);
        model = new Qwen3MoeModel(config, dtype);
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
