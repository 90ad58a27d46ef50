using ModelGen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Generator.Tests.GroundTruth.Models;

/// <summary>Sequential children by position (a parameterless one in between) and by name, layers and a custom module.</summary>
[ShardedModel]
public sealed partial class SequentialZoo : nn.Module<Tensor, Tensor>
{
    private readonly Sequential mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4, hasBias: false));
    private readonly Sequential named;

    public SequentialZoo() : base(nameof(SequentialZoo))
    {
        named = nn.Sequential(("norm", nn.LayerNorm(4)), ("block", new SequentialBlock()));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => named.forward(mlp.forward(x));
}

public sealed partial class SequentialBlock : nn.Module<Tensor, Tensor>
{
    private readonly Linear proj = nn.Linear(4, 4, hasBias: false);

    public SequentialBlock() : base(nameof(SequentialBlock)) => RegisterComponents();

    public override Tensor forward(Tensor x) => proj.forward(x);
}
