using ModelGen.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Examples.Llama.Model;

/// <summary>One pre-norm transformer block (<c>model.layers.{i}</c>): attention and MLP, each with a residual.</summary>
public sealed partial class LlamaDecoderLayer : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly LlamaAttention self_attn;
    private readonly LlamaMlp mlp;
    private readonly RMSNorm input_layernorm;
    private readonly RMSNorm post_attention_layernorm;

    /// <summary>Creates block <paramref name="layer"/> in <paramref name="dtype"/> on the default device.</summary>
    public LlamaDecoderLayer(LlamaConfig config, int layer, ScalarType dtype) : base(nameof(LlamaDecoderLayer))
    {
        ArgumentNullException.ThrowIfNull(config);
        self_attn = new LlamaAttention(config, layer, dtype);
        mlp = new LlamaMlp(config.HiddenSize, config.IntermediateSize, config.MlpBias, config.HiddenAct, dtype);
        input_layernorm = new RMSNorm(config.HiddenSize, eps: config.RmsNormEps, dtype: dtype);
        post_attention_layernorm = new RMSNorm(config.HiddenSize, eps: config.RmsNormEps, dtype: dtype);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = torch.NewDisposeScope();
        var h = x + self_attn.call(input_layernorm.call(x), cos, sin);
        return (h + mlp.call(post_attention_layernorm.call(h))).MoveToOuterDisposeScope();
    }
}
