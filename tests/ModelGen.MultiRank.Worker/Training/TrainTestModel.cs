using ModelGen.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.MultiRank.Worker.Training;

/// <summary>
/// A small Llama-shaped model for the training tests: token embedding, decoder layers of rotary causal attention and a
/// SiLU-gated MLP, each behind an RMSNorm, a final norm and an untied head. Decoder layers take (x, cos, sin), as
/// Llama's do, so the sharded units have three inputs. Row counts split unevenly over 3 ranks (vocabulary 50 gives
/// 17, 17, 16 rows; the MLP's 40 gives 14, 14, 12) and the norms' [24] evenly. <see cref="TrainTestShape.Large"/> is
/// the same architecture at about 140 MB, for memory measurements.
/// </summary>
[ShardedModel]
public sealed partial class TrainTestModel : nn.Module<Tensor, Tensor>
{
    public const int Vocab = 50;

    private readonly ModelGen.Layers.Embedding embed_tokens;
    private readonly ModuleList<TrainTestLayer> layers;
    private readonly RMSNorm norm;
    private readonly Linear lm_head;

    [ComputedBuffer(nameof(ComputeInverseFrequencies))]
    private Tensor inv_freq;

    private readonly TrainTestShape _shape;

    public TrainTestModel() : this(ScalarType.Float32, TrainTestShape.Small)
    {
    }

    public TrainTestModel(ScalarType dtype, TrainTestShape shape) : base(nameof(TrainTestModel))
    {
        _shape = shape;
        embed_tokens = new ModelGen.Layers.Embedding(shape.Vocab, shape.Hidden, dtype: dtype);
        layers = new ModuleList<TrainTestLayer>(Enumerable.Range(0, shape.Layers).Select(_ => new TrainTestLayer(dtype, shape)).ToArray());
        norm = new RMSNorm(shape.Hidden, eps: 1e-6, dtype: dtype);
        lm_head = nn.Linear(shape.Hidden, shape.Vocab, hasBias: false, dtype: dtype);
        inv_freq = empty(shape.HeadDim / 2);
        RegisterComponents();
    }

    public Tensor ComputeInverseFrequencies(Device device) =>
        pow(10000.0, -arange(0, _shape.HeadDim, 2, dtype: ScalarType.Float32, device: device) / _shape.HeadDim);

    public override Tensor forward(Tensor ids)
    {
        long length = ids.shape[1];
        using Tensor positions = arange(length, dtype: ScalarType.Float32);
        using Tensor angles = outer(positions, inv_freq);
        using Tensor both = cat([angles, angles], -1);
        ScalarType dtype = lm_head.weight!.dtype;
        using Tensor cos = both.cos().to(dtype);
        using Tensor sin = both.sin().to(dtype);
        Tensor x = embed_tokens.call(ids);
        foreach (TrainTestLayer layer in layers)
        {
            Tensor next = layer.call(x, cos, sin);
            x.Dispose();
            x = next;
        }
        using Tensor normed = norm.call(x);
        x.Dispose();
        return lm_head.call(normed);
    }
}

/// <summary>One decoder layer: x + attention(norm(x)), then + mlp(norm(x)).</summary>
public sealed partial class TrainTestLayer : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly RMSNorm input_layernorm, post_attention_layernorm;
    private readonly Linear q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj;
    private readonly TrainTestShape _shape;

    public TrainTestLayer(ScalarType dtype, TrainTestShape shape) : base(nameof(TrainTestLayer))
    {
        _shape = shape;
        int H = shape.Hidden;
        input_layernorm = new RMSNorm(H, eps: 1e-6, dtype: dtype);
        post_attention_layernorm = new RMSNorm(H, eps: 1e-6, dtype: dtype);
        q_proj = nn.Linear(H, H, hasBias: false, dtype: dtype);
        k_proj = nn.Linear(H, H, hasBias: false, dtype: dtype);
        v_proj = nn.Linear(H, H, hasBias: false, dtype: dtype);
        o_proj = nn.Linear(H, H, hasBias: false, dtype: dtype);
        gate_proj = nn.Linear(H, shape.Intermediate, hasBias: false, dtype: dtype);
        up_proj = nn.Linear(H, shape.Intermediate, hasBias: false, dtype: dtype);
        down_proj = nn.Linear(shape.Intermediate, H, hasBias: false, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        Tensor h = input_layernorm.forward(x);
        Tensor q = Rotate(Heads(q_proj.forward(h)), cos, sin);
        Tensor k = Rotate(Heads(k_proj.forward(h)), cos, sin);
        Tensor v = Heads(v_proj.forward(h));
        long length = x.shape[1];
        Tensor scores = matmul(q, k.transpose(-2, -1)) / Math.Sqrt(_shape.HeadDim);
        Tensor mask = ones(length, length, dtype: ScalarType.Bool).triu(1);
        Tensor weights = nn.functional.softmax(scores.masked_fill(mask, double.NegativeInfinity), -1);
        Tensor attended = matmul(weights, v).transpose(1, 2).reshape(x.shape[0], length, _shape.Hidden);
        Tensor y = x + o_proj.forward(attended);
        Tensor m = post_attention_layernorm.forward(y);
        Tensor output = y + down_proj.forward(nn.functional.silu(gate_proj.forward(m)) * up_proj.forward(m));
        return output.MoveToOuterDisposeScope();
    }

    private Tensor Heads(Tensor t) =>
        t.view(t.shape[0], t.shape[1], _shape.Heads, _shape.HeadDim).transpose(1, 2);

    private Tensor Rotate(Tensor t, Tensor cos, Tensor sin)
    {
        long half = _shape.HeadDim / 2;
        Tensor rotated = cat([-t.narrow(-1, half, half), t.narrow(-1, 0, half)], -1);
        return t * cos + rotated * sin;
    }
}

/// <summary>The sizes of a <see cref="TrainTestModel"/>.</summary>
public sealed record TrainTestShape(int Vocab, int Hidden, int Heads, int Intermediate, int Layers)
{
    /// <summary>The exactness tests' model: a few thousand parameters, rows split unevenly over 3 ranks.</summary>
    public static TrainTestShape Small { get; } = new(TrainTestModel.Vocab, 24, 2, 40, 2);

    /// <summary>About 34 M parameters (137 MB in float32), for memory measurements.</summary>
    public static TrainTestShape Large { get; } = new(8192, 512, 8, 1408, 8);

    public int HeadDim => Hidden / Heads;
}
