using ModelGen.Mapping;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Tests.Loading;

/// <summary>
/// A model with the glue written by hand, the way the generator writes it, so the loader is tested on its own:
/// a Linear layer, a custom parameter, a tied head and a computed buffer.
/// </summary>
internal sealed class HandWrittenModel : nn.Module<Tensor, Tensor>, IShardedModel
{
    public const int Width = 4;

    public Linear fc1;
    public Linear head;
    public Parameter scale;
    public Tensor inv_freq;

    public HandWrittenModel(ScalarType dtype = ScalarType.Float32) : base(nameof(HandWrittenModel))
    {
        fc1 = nn.Linear(Width, Width, hasBias: true, dtype: dtype);
        head = nn.Linear(Width, Width, hasBias: false, dtype: dtype);
        scale = new Parameter(empty(Width, dtype: dtype));
        inv_freq = empty(Width / 2, dtype: ScalarType.Float32);
        RegisterComponents();
    }

    /// <summary>Initializer calls per key, to prove loaded tensors are never initialized.</summary>
    public Dictionary<string, int> InitCalls { get; } = new(StringComparer.Ordinal);

    public int ComputeCalls { get; private set; }

    /// <summary>Keys the test wants the model to declare as ignored.</summary>
    public List<string> Ignored { get; } = [];

    /// <summary>Keys the test wants the model to declare new, as an [Initializer] does.</summary>
    public List<string> DeclaredNew { get; } = [];

    /// <summary>The key policy the test wants the model's table to carry, as the generator emits it.</summary>
    public MissingKeyPolicy MissingKeys { get; set; } = MissingKeyPolicy.Refuse;

    public UnexpectedKeyPolicy UnexpectedKeys { get; set; } = UnexpectedKeyPolicy.Refuse;

    public CheckpointKeyTable KeyTable => new(
        DeclaredNew.Select(k => new KeyPattern(k, TensorKind.Parameter, nameof(HandWrittenModel), "test initializer", declaredNew: true)).ToArray(),
        Ignored, MissingKeys, UnexpectedKeys);

    /// <summary>Keys the test wants the model itself to keep whole when it is loaded fully sharded.</summary>
    public List<string> Replicated { get; } = [];

    IReadOnlyList<string> IShardedModel.ReplicatedKeys => Replicated;

    public IReadOnlyList<TensorSlot> GetTensorSlots() =>
    [
        new("fc1.weight", "fc1.weight", TensorKind.Parameter, () => fc1.weight, t => fc1.weight = AsParameter(t), Counted("fc1.weight", t => t.uniform_(-0.5, 0.5))),
        new("fc1.bias", "fc1.bias", TensorKind.Parameter, () => fc1.bias, t => fc1.bias = AsParameter(t), Counted("fc1.bias", t => t.uniform_(-0.5, 0.5))),
        new("head.weight", "head.weight", TensorKind.Parameter, () => head.weight, t => head.weight = AsParameter(t), tiedTo: "fc1.weight"),
        new("scale", "scale", TensorKind.Parameter, () => scale, t => { scale = AsParameter(t); ConditionallyRegisterParameter(nameof(scale), scale); }, Counted("scale", t => t.fill_(1))),
        new("inv_freq", "inv_freq", TensorKind.Buffer, () => inv_freq, t => { inv_freq = t; ConditionallyRegisterBuffer(nameof(inv_freq), t); }, computed: true),
    ];

    public void ComputeBuffers(Device device)
    {
        ComputeCalls++;
        var computed = pow(10000.0, -arange(0, Width, 2, dtype: ScalarType.Float32, device: device) / Width);
        inv_freq = computed;
        ConditionallyRegisterBuffer(nameof(inv_freq), computed);
    }

    public override Tensor forward(Tensor input) => head.forward(fc1.forward(input)) * scale;

    private Action<Tensor> Counted(string key, Action<Tensor> initialize) => t =>
    {
        InitCalls[key] = InitCalls.GetValueOrDefault(key) + 1;
        initialize(t);
    };

    private static Parameter AsParameter(Tensor t) => t as Parameter ?? new Parameter(t);
}
