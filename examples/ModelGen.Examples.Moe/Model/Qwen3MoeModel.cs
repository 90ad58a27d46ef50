using ModelGen.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Examples.Moe.Model;

/// <summary>The decoder body (<c>model.</c>): token embedding, the MoE layers, the final norm.</summary>
public sealed partial class Qwen3MoeModel : nn.Module<Tensor, Tensor>
{
    private readonly ModelGen.Layers.Embedding embed_tokens;
    private readonly ModuleList<Qwen3MoeDecoderLayer> layers;
    private readonly RMSNorm norm;
    private readonly Qwen3MoeRotaryEmbedding rotary_emb;

    /// <summary>Creates the body in <paramref name="dtype"/> on the default device.</summary>
    public Qwen3MoeModel(Qwen3MoeConfig config, ScalarType dtype) : base(nameof(Qwen3MoeModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        embed_tokens = new ModelGen.Layers.Embedding(config.VocabSize, config.HiddenSize, dtype: dtype);
        layers = new ModuleList<Qwen3MoeDecoderLayer>(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new Qwen3MoeDecoderLayer(config, dtype)).ToArray());
        norm = new RMSNorm(config.HiddenSize, eps: config.RmsNormEps, dtype: dtype);
        rotary_emb = new Qwen3MoeRotaryEmbedding(config);
        RegisterComponents();
    }

    /// <summary>Hidden states [batch, length, hidden] of token ids [batch, length].</summary>
    public override Tensor forward(Tensor inputIds)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        using var scope = torch.NewDisposeScope();
        Tensor hidden = embed_tokens.call(inputIds);
        var (cos, sin) = rotary_emb.CosSin(inputIds.shape[1], hidden.dtype);
        foreach (Qwen3MoeDecoderLayer layer in layers)
            hidden = layer.call(hidden, cos, sin);
        return norm.call(hidden).MoveToOuterDisposeScope();
    }
}
