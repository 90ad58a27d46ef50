using System.Linq;
using ModelGen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Generator.Tests.GroundTruth.Models;

/// <summary>A Qwen3-MoE layout in miniature: lists of experts inside a list of layers (nested <c>{i}</c>).</summary>
[ShardedModel]
public sealed partial class TinyMoe : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<MoeLayer> layers;

    public TinyMoe(int layerCount, int expertCount) : base(nameof(TinyMoe))
    {
        layers = new ModuleList<MoeLayer>(Enumerable.Range(0, layerCount).Select(_ => new MoeLayer(expertCount)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => x;
}

public sealed partial class MoeLayer : nn.Module<Tensor, Tensor>
{
    private readonly Linear gate = nn.Linear(4, 2, hasBias: false);
    private readonly ModuleList<Linear> experts;

    public MoeLayer(int expertCount) : base(nameof(MoeLayer))
    {
        experts = new ModuleList<Linear>(Enumerable.Range(0, expertCount).Select(_ => nn.Linear(4, 4, hasBias: false)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => x;
}
