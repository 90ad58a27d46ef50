using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Cli.Tests;

/// <summary>
/// The model the shape parity tests compare checkpoints with: literal sizes (so the build evaluates every shape), a
/// module list of two blocks, a float16 layer and a head tied to the embedding. Built on the meta device by <c>check</c>.
/// </summary>
[ShardedModel]
public sealed partial class ShapeParityModel : nn.Module<Tensor, Tensor>
{
    private readonly ModelGen.Layers.Embedding embed;
    private readonly ModuleList<ShapeParityBlock> layers;
    private readonly Linear half;

    [TiedTo("embed.weight", Parameter = "weight")]
    private readonly Linear head;

    public ShapeParityModel() : base(nameof(ShapeParityModel))
    {
        embed = new ModelGen.Layers.Embedding(6, 4);
        layers = new ModuleList<ShapeParityBlock>(Enumerable.Range(0, 2).Select(_ => new ShapeParityBlock()).ToArray());
        half = nn.Linear(4, 4, hasBias: false, dtype: ScalarType.Float16);
        head = nn.Linear(4, 6, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor ids)
    {
        Tensor x = embed.forward(ids);
        foreach (ShapeParityBlock block in layers) x = block.forward(x);
        return head.forward(half.forward(x.to(ScalarType.Float16)).to(ScalarType.Float32));
    }
}

public sealed partial class ShapeParityBlock : nn.Module<Tensor, Tensor>
{
    private readonly Linear proj;

    public ShapeParityBlock() : base(nameof(ShapeParityBlock))
    {
        proj = nn.Linear(4, 4);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => x + proj.forward(x);
}
