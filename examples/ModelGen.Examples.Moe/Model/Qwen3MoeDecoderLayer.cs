using ModelGen.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Examples.Moe.Model;

/// <summary>One pre-norm block (<c>model.layers.{i}</c>): Qwen3 attention and the MoE block, each with a residual.</summary>
public sealed partial class Qwen3MoeDecoderLayer : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly Qwen3MoeAttention self_attn;
    private readonly Qwen3MoeSparseBlock mlp;
    private readonly RMSNorm input_layernorm;
    private readonly RMSNorm post_attention_layernorm;

    /// <summary>Creates the block in <paramref name="dtype"/> on the default device.</summary>
    public Qwen3MoeDecoderLayer(Qwen3MoeConfig config, ScalarType dtype) : base(nameof(Qwen3MoeDecoderLayer))
    {
        ArgumentNullException.ThrowIfNull(config);
        self_attn = new Qwen3MoeAttention(config, dtype);
        mlp = new Qwen3MoeSparseBlock(config, dtype);
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
