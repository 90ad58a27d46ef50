using ModelGen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Generator.Tests.GroundTruth.Models;

/// <summary>
/// Every built-in layer the generator knows, with optional tensors turned off by constant arguments, plus custom
/// parameters and buffers, a renamed field, base-class fields, a ModuleDict, a field that is null at run time and a
/// bias decided by a value known only at run time.
/// </summary>
[ShardedModel]
public sealed partial class LayerZoo : ZooBase
{
    public Linear plain = nn.Linear(4, 3);
    private readonly Linear no_bias = nn.Linear(4, 3, hasBias: false);
    private Linear runtime_bias;
    private Linear? absent = null;
    private static Linear Shared = nn.Linear(2, 2);
    private Conv1d conv1 = nn.Conv1d(2, 3, 3);
    private Conv2d conv2 = nn.Conv2d(2, 3, 3, bias: false);
    private Conv3d conv3 = nn.Conv3d(1, 2, 2);
    private ConvTranspose2d deconv = nn.ConvTranspose2d(3, 2, 3);
    private LayerNorm ln = nn.LayerNorm(4);
    private LayerNorm ln_plain = nn.LayerNorm(4, elementwise_affine: false);
    private LayerNorm ln_nobias = nn.LayerNorm(4, bias: false);
    private GroupNorm gn = nn.GroupNorm(2, 4);
    private BatchNorm1d bn1 = nn.BatchNorm1d(4);
    private BatchNorm2d bn2_untracked = nn.BatchNorm2d(4, track_running_stats: false);
    private BatchNorm3d bn3_noaffine = nn.BatchNorm3d(4, affine: false);
    private InstanceNorm1d inorm = nn.InstanceNorm1d(4, affine: true);
    private PReLU prelu = nn.PReLU(1);
    private Bilinear bilinear = nn.Bilinear(2, 3, 4);
    private ModelGen.Layers.Embedding embedding = new(10, 4);
    private ModelGen.Layers.RMSNorm rms = new(4);
    private ModelGen.Layers.RMSNorm rms_plain = new(4, elementwiseAffine: false);
    private ReLU relu = nn.ReLU();

    [TorchSharp.Utils.ComponentName(Name = "renamed_block")]
    private ZooBlock block = new();

    private ModuleDict<ZooBlock> experts = new();

    [Initializer(nameof(InitScale))]
    private Parameter scale = new Parameter(torch.ones(4));

    private Tensor counter = torch.zeros(1);

    public LayerZoo(bool withBias) : base()
    {
        runtime_bias = nn.Linear(4, 3, hasBias: withBias);
        experts.Add("alpha", new ZooBlock());
        experts.Add("beta", new ZooBlock());
        RegisterComponents();
    }

    public void InitScale(Tensor tensor) => tensor.fill_(2.0);

    public Linear Plain => plain;

    public Tensor Scale => scale;

    public Tensor Counter => counter;

    public override Tensor forward(Tensor x) => plain.forward(x) * 1.0;
}

public partial class ZooBase : nn.Module<Tensor, Tensor>
{
    private Linear from_base = nn.Linear(2, 2);
    private Tensor base_buffer = torch.zeros(2);

    protected ZooBase() : base("ZooBase")
    {
    }

    public override Tensor forward(Tensor x) => BaseForward(x);

    public Tensor BaseForward(Tensor x) => from_base.forward(x) + base_buffer;
}

public sealed partial class ZooBlock : nn.Module<Tensor, Tensor>
{
    private Linear proj = nn.Linear(2, 2);
    private Parameter gain = new Parameter(torch.ones(2));

    public ZooBlock() : base(nameof(ZooBlock)) => RegisterComponents();

    public Parameter Gain => gain;

    public override Tensor forward(Tensor x) => proj.forward(x) * gain;
}
