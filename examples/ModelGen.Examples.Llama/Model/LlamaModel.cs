using ModelGen.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Examples.Llama.Model;

/// <summary>The decoder body (<c>model.</c>): token embedding, the layers, the final norm.</summary>
public sealed partial class LlamaModel : nn.Module<Tensor, Tensor>
{
    private readonly ModelGen.Layers.Embedding embed_tokens;
    private readonly ModuleList<LlamaDecoderLayer> layers;
    private readonly RMSNorm norm;
    private readonly LlamaRotaryEmbedding rotary_emb;

    /// <summary>Creates the body in <paramref name="dtype"/> on the default device.</summary>
    public LlamaModel(LlamaConfig config, ScalarType dtype) : base(nameof(LlamaModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        embed_tokens = new ModelGen.Layers.Embedding(config.VocabSize, config.HiddenSize, dtype: dtype);
        layers = new ModuleList<LlamaDecoderLayer>(Enumerable.Range(0, config.NumHiddenLayers).Select(i => new LlamaDecoderLayer(config, i, dtype)).ToArray());
        norm = new RMSNorm(config.HiddenSize, eps: config.RmsNormEps, dtype: dtype);
        rotary_emb = new LlamaRotaryEmbedding(config);
        RegisterComponents();
    }

    /// <summary>Hidden states [batch, length, hidden] of token ids [batch, length], causally attended.</summary>
    public override Tensor forward(Tensor inputIds)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        using var scope = torch.NewDisposeScope();
        Tensor hidden = embed_tokens.call(inputIds);
        var (cos, sin) = rotary_emb.CosSin(inputIds.shape[1], hidden.dtype);
        foreach (LlamaDecoderLayer layer in layers)
            hidden = layer.call(hidden, cos, sin);
        return norm.call(hidden).MoveToOuterDisposeScope();
    }
}
