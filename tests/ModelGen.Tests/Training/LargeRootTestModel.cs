using ModelGen.Mapping;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Tests.Training;

/// <summary>
/// An embedding and a head of 1 MiB each outside the module list (so the default units make every module outside it a
/// unit, the small norm too), one block in a module list and a scale of the logits at the root. Hand-written glue, as
/// the generator emits it.
/// </summary>
internal sealed class LargeRootTestModel : nn.Module<Tensor, Tensor>, IShardedModel
{
    public const int Vocab = 1024;
    public const int Width = 256;

    public ModelGen.Layers.Embedding embed;
    public ModuleList<Linear> blocks;
    public ModelGen.Layers.RMSNorm norm;
    public Linear head;
    public Parameter scale;

    public LargeRootTestModel() : base(nameof(LargeRootTestModel))
    {
        embed = new ModelGen.Layers.Embedding(Vocab, Width);
        blocks = new ModuleList<Linear>(nn.Linear(Width, Width));
        norm = new ModelGen.Layers.RMSNorm(Width, eps: 1e-6);
        head = nn.Linear(Width, Vocab, hasBias: false);
        scale = new Parameter(empty(Vocab));
        RegisterComponents();
    }

    public static (string Key, long[] Shape)[] Checkpoint() =>
    [
        ("embed.weight", [Vocab, Width]),
        ("blocks.0.weight", [Width, Width]),
        ("blocks.0.bias", [Width]),
        ("norm.weight", [Width]),
        ("head.weight", [Vocab, Width]),
        ("scale", [Vocab]),
    ];

    public IReadOnlyList<TensorSlot> GetTensorSlots() =>
    [
        new("embed.weight", "embed.weight", TensorKind.Parameter, () => embed.weight, t => embed.weight = AsParameter(t)),
        new("blocks.0.weight", "blocks.{i}.weight", TensorKind.Parameter, () => blocks[0].weight, t => blocks[0].weight = AsParameter(t)),
        new("blocks.0.bias", "blocks.{i}.bias", TensorKind.Parameter, () => blocks[0].bias, t => blocks[0].bias = AsParameter(t)),
        new("norm.weight", "norm.weight", TensorKind.Parameter, () => norm.weight, t => norm.weight = AsParameter(t)),
        new("head.weight", "head.weight", TensorKind.Parameter, () => head.weight, t => head.weight = AsParameter(t)),
        new("scale", "scale", TensorKind.Parameter, () => scale, t => { scale = AsParameter(t); ConditionallyRegisterParameter(nameof(scale), scale); }),
    ];

    public void ComputeBuffers(Device device)
    {
    }

    public override Tensor forward(Tensor ids)
    {
        using Tensor embedded = embed.call(ids);
        using Tensor blocked = blocks[0].call(embedded);
        using Tensor a = blocked.tanh();
        using Tensor normed = norm.call(a);
        using Tensor logits = head.call(normed);
        return logits * scale;
    }

    private static Parameter AsParameter(Tensor t) => t as Parameter ?? new Parameter(t);
}
