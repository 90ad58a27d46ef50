using ModelGen.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Cli.Tests;

/// <summary>
/// The model the check tests compare checkpoints with: an embedding, a module list of blocks, a norm, a head tied
/// to the embedding, a computed buffer and ignored rotary keys. Never constructed: only its generated key table is read.
/// </summary>
[ShardedModel]
[IgnoreCheckpointKeys("layers.*.rotary.inv_freq")]
public sealed partial class CheckTestModel : nn.Module<Tensor, Tensor>
{
    public const int Vocab = 16, Hidden = 8;

    private readonly ModelGen.Layers.Embedding embed;
    private readonly ModuleList<CheckTestBlock> layers;
    private readonly RMSNorm norm;

    [TiedTo("embed.weight", Parameter = "weight")]
    private readonly Linear head;

    [ComputedBuffer(nameof(ComputeFrequencies))]
    private Tensor frequencies;

    public CheckTestModel(int blocks) : base(nameof(CheckTestModel))
    {
        embed = new ModelGen.Layers.Embedding(Vocab, Hidden);
        layers = new ModuleList<CheckTestBlock>(Enumerable.Range(0, blocks).Select(_ => new CheckTestBlock()).ToArray());
        norm = new RMSNorm(Hidden);
        head = nn.Linear(Hidden, Vocab, hasBias: false);
        frequencies = empty(Hidden / 2);
        RegisterComponents();
    }

    public Tensor ComputeFrequencies(Device device) => arange(0, Hidden / 2, dtype: ScalarType.Float32, device: device);

    public override Tensor forward(Tensor ids)
    {
        Tensor x = embed.forward(ids);
        foreach (CheckTestBlock block in layers) x = block.forward(x);
        return head.forward(norm.forward(x)) + frequencies.sum();
    }
}

public sealed partial class CheckTestBlock : nn.Module<Tensor, Tensor>
{
    private readonly Linear proj;

    public CheckTestBlock() : base(nameof(CheckTestBlock))
    {
        proj = nn.Linear(CheckTestModel.Hidden, CheckTestModel.Hidden);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => x + proj.forward(x);
}

/// <summary>A second model, so that an assembly with several models needs <c>--model</c>.</summary>
[ShardedModel]
public sealed partial class OtherTestModel : nn.Module<Tensor, Tensor>
{
    private readonly Linear only;

    public OtherTestModel() : base(nameof(OtherTestModel))
    {
        only = nn.Linear(2, 2);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => only.forward(x);
}
