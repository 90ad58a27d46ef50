using ModelGen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.MultiRank.Worker.Loading;

/// <summary>
/// A model of a few large bfloat16 projections, large enough that what a rank holds shows in its resident memory:
/// <see cref="Layers"/> x [<see cref="Rows"/>, <see cref="Columns"/>] = 384 MiB, each tensor larger than a transfer batch.
/// </summary>
[ShardedModel]
public sealed partial class WideTestModel : nn.Module<Tensor, Tensor>
{
    public const int Layers = 4, Rows = 6144, Columns = 8192;

    private readonly ModuleList<Linear> layers;

    public WideTestModel() : base(nameof(WideTestModel))
    {
        layers = new ModuleList<Linear>(Enumerable.Range(0, Layers).Select(_ => nn.Linear(Columns, Rows, hasBias: false, dtype: ScalarType.BFloat16)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => throw new NotSupportedException("This model only measures loading.");
}
