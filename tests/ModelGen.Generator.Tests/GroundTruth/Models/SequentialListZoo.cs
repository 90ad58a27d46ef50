using System.Linq;
using ModelGen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Generator.Tests.GroundTruth.Models;

/// <summary>
/// Module lists of Sequential blocks: MLP blocks built from <c>Enumerable.Range(...).Select(...)</c> (a parameterless
/// child in between), and blocks added in a loop holding a named norm and a custom module with a computed buffer.
/// </summary>
[ShardedModel]
public sealed partial class SequentialListZoo : nn.Module<Tensor, Tensor>
{
    private const int Hidden = 4;

    private readonly ModuleList<Sequential> blocks;
    private readonly ModuleList<Sequential> mixers = new();

    public SequentialListZoo(Device? device = null) : base(nameof(SequentialListZoo))
    {
        blocks = new ModuleList<Sequential>(Enumerable.Range(0, 3)
            .Select(_ => nn.Sequential(nn.Linear(Hidden, 4 * Hidden, device: device), nn.GELU(), nn.Linear(4 * Hidden, Hidden, hasBias: false, device: device)))
            .ToArray());
        for (int i = 0; i < 2; i++)
        {
            mixers.Add(nn.Sequential(("norm", nn.LayerNorm(Hidden, device: device)), ("mix", new SequentialListMixer(Hidden, device))));
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        foreach (Sequential block in blocks) x = x + block.forward(x);
        foreach (Sequential mixer in mixers) x = mixer.forward(x);
        return x;
    }
}

/// <summary>A custom module inside a Sequential list entry: a projection and a buffer computed after loading.</summary>
public sealed partial class SequentialListMixer : nn.Module<Tensor, Tensor>
{
    private readonly Linear proj;

    [ComputedBuffer(nameof(ComputeScale))]
    private Tensor scale;

    public SequentialListMixer(int width, Device? device) : base(nameof(SequentialListMixer))
    {
        proj = nn.Linear(width, width, hasBias: false, device: device);
        scale = torch.empty(width, device: device);
        RegisterComponents();
    }

    private Tensor ComputeScale(Device device) => torch.full(proj.in_features, 0.5f, device: device);

    public override Tensor forward(Tensor x) => proj.forward(x) * scale;
}
