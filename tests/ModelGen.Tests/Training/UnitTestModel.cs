using ModelGen.Mapping;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Tests.Training;

/// <summary>
/// Two linear blocks in a module list (the default sharded units, invoked with <c>call</c>), a head tied to the first
/// block's weight (so that unit uses a root tensor) and a scale at the root. Hand-written glue, as the generator emits it.
/// </summary>
internal sealed class UnitTestModel : nn.Module<Tensor, Tensor>, IShardedModel
{
    public const int Width = 4;

    public ModuleList<Linear> blocks;
    public Linear head;
    public Parameter scale;

    public UnitTestModel() : base(nameof(UnitTestModel))
    {
        blocks = new ModuleList<Linear>(nn.Linear(Width, Width), nn.Linear(Width, Width));
        head = nn.Linear(Width, Width, hasBias: false);
        scale = new Parameter(empty(Width));
        RegisterComponents();
    }

    public static (string Key, long[] Shape)[] Checkpoint() =>
    [
        ("blocks.0.weight", [Width, Width]),
        ("blocks.0.bias", [Width]),
        ("blocks.1.weight", [Width, Width]),
        ("blocks.1.bias", [Width]),
        ("scale", [Width]),
    ];

    public IReadOnlyList<TensorSlot> GetTensorSlots() =>
    [
        new("blocks.0.weight", "blocks.{i}.weight", TensorKind.Parameter, () => blocks[0].weight, t => blocks[0].weight = AsParameter(t)),
        new("blocks.0.bias", "blocks.{i}.bias", TensorKind.Parameter, () => blocks[0].bias, t => blocks[0].bias = AsParameter(t)),
        new("blocks.1.weight", "blocks.{i}.weight", TensorKind.Parameter, () => blocks[1].weight, t => blocks[1].weight = AsParameter(t)),
        new("blocks.1.bias", "blocks.{i}.bias", TensorKind.Parameter, () => blocks[1].bias, t => blocks[1].bias = AsParameter(t)),
        new("head.weight", "head.weight", TensorKind.Parameter, () => head.weight, t => head.weight = AsParameter(t), tiedTo: "blocks.0.weight"),
        new("scale", "scale", TensorKind.Parameter, () => scale, t => { scale = AsParameter(t); ConditionallyRegisterParameter(nameof(scale), scale); }),
    ];

    public void ComputeBuffers(Device device)
    {
    }

    public override Tensor forward(Tensor input)
    {
        using Tensor first = blocks[0].call(input);
        using Tensor a = first.tanh();
        using Tensor second = blocks[1].call(a);
        using Tensor b = second.tanh();
        using Tensor headed = head.forward(b);
        return headed * scale;
    }

    private static Parameter AsParameter(Tensor t) => t as Parameter ?? new Parameter(t);
}
