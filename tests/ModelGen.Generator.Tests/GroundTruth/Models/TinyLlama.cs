using System.Linq;
using ModelGen;
using ModelGen.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Generator.Tests.GroundTruth.Models;

/// <summary>Settings of the small Llama-shaped model used by the ground-truth tests.</summary>
public sealed record TinyLlamaConfig(int Vocab = 32, int Hidden = 16, int Intermediate = 24, int Layers = 2, int Heads = 2, double RopeTheta = 10000.0);

/// <summary>A Hugging Face Llama layout: body under <c>model.</c>, <c>lm_head</c> at the top, tied to the embedding.</summary>
[ShardedModel]
[IgnoreCheckpointKeys("model.layers.*.self_attn.rotary_emb.inv_freq")]
public sealed partial class TinyLlamaForCausalLM : nn.Module<Tensor, Tensor>
{
    private readonly TinyLlamaModel model;

    [TiedTo("model.embed_tokens.weight", Parameter = "weight")]
    private readonly Linear lm_head;

    public TinyLlamaForCausalLM(TinyLlamaConfig config, Device? device = null) : base(nameof(TinyLlamaForCausalLM))
    {
        model = new TinyLlamaModel(config, device);
        lm_head = nn.Linear(config.Hidden, config.Vocab, hasBias: false, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor inputIds) => lm_head.forward(model.forward(inputIds));
}

public sealed partial class TinyLlamaModel : nn.Module<Tensor, Tensor>
{
    private readonly ModelGen.Layers.Embedding embed_tokens;
    private readonly ModuleList<TinyDecoderLayer> layers;
    private readonly RMSNorm norm;

    public TinyLlamaModel(TinyLlamaConfig config, Device? device) : base(nameof(TinyLlamaModel))
    {
        embed_tokens = new ModelGen.Layers.Embedding(config.Vocab, config.Hidden, device);
        layers = new ModuleList<TinyDecoderLayer>(Enumerable.Range(0, config.Layers).Select(_ => new TinyDecoderLayer(config, device)).ToArray());
        norm = new RMSNorm(config.Hidden, eps: 1e-6, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor inputIds)
    {
        Tensor hidden = embed_tokens.forward(inputIds);
        foreach (TinyDecoderLayer layer in layers) hidden = layer.forward(hidden);
        return norm.forward(hidden);
    }
}

public sealed partial class TinyDecoderLayer : nn.Module<Tensor, Tensor>
{
    private readonly TinyAttention self_attn;
    private readonly TinyMlp mlp;
    private readonly RMSNorm input_layernorm;
    private readonly RMSNorm post_attention_layernorm;

    public TinyDecoderLayer(TinyLlamaConfig config, Device? device) : base(nameof(TinyDecoderLayer))
    {
        self_attn = new TinyAttention(config, device);
        mlp = new TinyMlp(config, device);
        input_layernorm = new RMSNorm(config.Hidden, eps: 1e-6, device: device);
        post_attention_layernorm = new RMSNorm(config.Hidden, eps: 1e-6, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = x + self_attn.forward(input_layernorm.forward(x));
        return x + mlp.forward(post_attention_layernorm.forward(x));
    }
}

public sealed partial class TinyAttention : nn.Module<Tensor, Tensor>
{
    private readonly Linear q_proj, k_proj, v_proj, o_proj;
    private readonly int _heads;
    private readonly int _headDim;
    private readonly double _theta;

    [ComputedBuffer(nameof(ComputeInvFreq))]
    private Tensor inv_freq;

    public TinyAttention(TinyLlamaConfig config, Device? device) : base(nameof(TinyAttention))
    {
        _heads = config.Heads;
        _headDim = config.Hidden / config.Heads;
        _theta = config.RopeTheta;
        q_proj = nn.Linear(config.Hidden, config.Hidden, hasBias: false, device: device);
        k_proj = nn.Linear(config.Hidden, config.Hidden, hasBias: false, device: device);
        v_proj = nn.Linear(config.Hidden, config.Hidden, hasBias: false, device: device);
        o_proj = nn.Linear(config.Hidden, config.Hidden, hasBias: false, device: device);
        inv_freq = torch.empty(_headDim / 2, device: device);
        RegisterComponents();
    }

    /// <summary>Rotary inverse frequencies 1 / theta^(2i/d).</summary>
    public Tensor ComputeInvFreq(Device device) =>
        1.0 / torch.pow(_theta, torch.arange(0, _headDim, 2, dtype: ScalarType.Float32, device: device) / _headDim);

    public Tensor InvFreq => inv_freq;

    public override Tensor forward(Tensor x)
    {
        // Single-position attention is enough for the tests: softmax over one key is 1, so the output is o(v(x)).
        _ = q_proj.forward(x);
        _ = k_proj.forward(x);
        return o_proj.forward(v_proj.forward(x));
    }
}

public sealed partial class TinyMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear gate_proj, up_proj, down_proj;

    public TinyMlp(TinyLlamaConfig config, Device? device) : base(nameof(TinyMlp))
    {
        gate_proj = nn.Linear(config.Hidden, config.Intermediate, hasBias: false, device: device);
        up_proj = nn.Linear(config.Hidden, config.Intermediate, hasBias: false, device: device);
        down_proj = nn.Linear(config.Intermediate, config.Hidden, hasBias: false, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => down_proj.forward(nn.functional.silu(gate_proj.forward(x)) * up_proj.forward(x));
}
