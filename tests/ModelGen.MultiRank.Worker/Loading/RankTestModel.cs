using ModelGen;
using ModelGen.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.MultiRank.Worker.Loading;

/// <summary>
/// A small model with every kind of key the loader handles: built-in layers, a module list, a ModelGen layer,
/// a head tied to the embedding, a computed buffer, and a projection the test checkpoint leaves out (initialized,
/// through a counting initializer). Its shapes split unevenly over 3 ranks, and the gate's ([1, 32] and [1]) have fewer
/// rows than ranks. Submodules run through <c>call</c>, so forward hooks (the sharded forward pass) see them.
/// </summary>
[ShardedModel]
public sealed partial class RankTestModel : nn.Module<Tensor, Tensor>
{
    public const int Vocab = 64, Hidden = 32, Blocks = 3;

    private readonly ModelGen.Layers.Embedding embed;
    private readonly ModuleList<RankTestBlock> blocks;
    private readonly RMSNorm norm;
    private readonly Linear gate;

    [TiedTo("embed.weight", Parameter = "weight")]
    private readonly Linear head;

    [Initializer(nameof(InitExtra), Parameter = "weight")]
    private readonly Linear extra;

    [ComputedBuffer(nameof(ComputeFrequencies))]
    private Tensor frequencies;

    public RankTestModel() : base(nameof(RankTestModel))
    {
        embed = new ModelGen.Layers.Embedding(Vocab, Hidden);
        blocks = new ModuleList<RankTestBlock>(Enumerable.Range(0, Blocks).Select(_ => new RankTestBlock()).ToArray());
        norm = new RMSNorm(Hidden);
        gate = nn.Linear(Hidden, 1);
        head = nn.Linear(Hidden, Vocab, hasBias: false);
        extra = nn.Linear(Hidden, Hidden, hasBias: false);
        frequencies = empty(Hidden / 2);
        RegisterComponents();
    }

    /// <summary>Calls of <see cref="InitExtra"/> in this process.</summary>
    public static int ExtraInitCalls { get; private set; }

    public void InitExtra(Tensor weight)
    {
        ExtraInitCalls++;
        weight.normal_(0, 0.02);
    }

    public Tensor ComputeFrequencies(Device device) => pow(10000.0, -arange(0, Hidden, 2, dtype: ScalarType.Float32, device: device) / Hidden);

    public Tensor EmbedWeight => embed.weight!;

    public Tensor HeadWeight => head.weight!;

    public Tensor Frequencies => frequencies;

    public override Tensor forward(Tensor ids)
    {
        Tensor x = embed.call(ids);
        foreach (RankTestBlock block in blocks) x = block.call(x);
        x = norm.call(x);
        return head.call(extra.call(x * sigmoid(gate.call(x))));
    }
}

public sealed partial class RankTestBlock : nn.Module<Tensor, Tensor>
{
    private readonly Linear up;
    private readonly Linear down;

    public RankTestBlock() : base(nameof(RankTestBlock))
    {
        up = nn.Linear(RankTestModel.Hidden, 2 * RankTestModel.Hidden);
        down = nn.Linear(2 * RankTestModel.Hidden, RankTestModel.Hidden);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => x + down.call(nn.functional.gelu(up.call(x)));
}
