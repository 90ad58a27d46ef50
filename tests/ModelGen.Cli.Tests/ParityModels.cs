using System.Globalization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Cli.Tests;

/// <summary>
/// A model sized by a constructor argument nothing in the build decides: the build unifies <c>hidden</c> against the
/// checkpoint, and a key that disagrees with the other uses is MG0021, naming where the agreed value came from.
/// </summary>
[ShardedModel]
public sealed partial class SymbolParityModel : nn.Module<Tensor, Tensor>
{
    private readonly Linear up;
    private readonly Linear down;
    private readonly Linear head;

    public SymbolParityModel(int hidden) : base(nameof(SymbolParityModel))
    {
        up = nn.Linear(hidden, 8, hasBias: false);
        down = nn.Linear(8, hidden, hasBias: false);
        head = nn.Linear(hidden, 3, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => head.forward(down.forward(up.forward(x)));
}

/// <summary>
/// A model with one size the build cannot evaluate (a method call): its shape is left to the model built on the meta
/// device, and the build says so (MG0026).
/// </summary>
[ShardedModel]
public sealed partial class PartialParityModel : nn.Module<Tensor, Tensor>
{
    private readonly Linear known;
    private readonly Linear parsed;

    public PartialParityModel() : base(nameof(PartialParityModel))
    {
        known = nn.Linear(4, 4, hasBias: false);
        parsed = nn.Linear(int.Parse("4", CultureInfo.InvariantCulture), 2, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => parsed.forward(known.forward(x));
}

/// <summary>
/// A module list of Sequential blocks (keys <c>blocks.{i}.0.weight</c>, <c>blocks.{i}.2.weight</c>): check must read a
/// key's list index and its literal child index as the build does.
/// </summary>
[ShardedModel]
public sealed partial class BlockListParityModel : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Sequential> blocks;

    public BlockListParityModel() : base(nameof(BlockListParityModel))
    {
        blocks = new ModuleList<Sequential>(Enumerable.Range(0, 2)
            .Select(_ => nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4, hasBias: false)))
            .ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        foreach (Sequential block in blocks) x = block.forward(x);
        return x;
    }
}
