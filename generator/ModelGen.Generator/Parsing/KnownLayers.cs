using System.Collections.Generic;

namespace ModelGen.Generator.Parsing;

/// <summary>
/// The built-in layers whose parameters and buffers the generator knows, as TorchSharp 0.107 registers them
/// (checked against <c>named_parameters()</c>/<c>named_buffers()</c>), with PyTorch's default initializers and
/// the constructor arguments that turn optional tensors off.
/// </summary>
internal static class KnownLayers
{
    private const string Init = "global::ModelGen.Mapping.DefaultInit.";

    /// <summary>A tensor a layer holds, present when every listed boolean constructor argument is true.</summary>
    internal sealed class TensorTemplate
    {
        public TensorTemplate(string name, SlotKind kind, string initCode, string initDescription, params string[] enabledBy)
        {
            Name = name;
            Kind = kind;
            InitCode = initCode;
            InitDescription = initDescription;
            EnabledBy = enabledBy;
        }

        public string Name { get; }
        public SlotKind Kind { get; }
        public string InitCode { get; }
        public string InitDescription { get; }
        public IReadOnlyList<string> EnabledBy { get; }
    }

    /// <summary>A known layer: display name, tensors, and whether TorchSharp builds it natively (CPU init even on meta).</summary>
    internal sealed class LayerTemplate
    {
        public LayerTemplate(string displayName, bool native, string? replacement, params TensorTemplate[] tensors)
        {
            DisplayName = displayName;
            Native = native;
            Replacement = replacement;
            Tensors = tensors;
        }

        public string DisplayName { get; }
        public bool Native { get; }
        public string? Replacement { get; }
        public IReadOnlyList<TensorTemplate> Tensors { get; }
    }

    private static TensorTemplate Weight(string init, string description, params string[] enabledBy) =>
        new("weight", SlotKind.Parameter, init, description, enabledBy);

    private static TensorTemplate Bias(string init, string description, params string[] enabledBy) =>
        new("bias", SlotKind.Parameter, init, description, enabledBy);

    private static readonly TensorTemplate[] s_linearLike =
    {
        Weight(Init + "KaimingUniform({t})", "kaiming_uniform(a=sqrt(5))"),
        Bias(Init + "BiasFromWeight({t}, {m}.weight!)", "uniform(±1/sqrt(fan_in))", "hasBias"),
    };

    private static TensorTemplate[] ConvLike() => new[]
    {
        Weight(Init + "KaimingUniform({t})", "kaiming_uniform(a=sqrt(5))"),
        Bias(Init + "BiasFromWeight({t}, {m}.weight!)", "uniform(±1/sqrt(fan_in))", "bias"),
    };

    private static TensorTemplate[] Norm(params string[] affine) => new[]
    {
        Weight(Init + "Ones({t})", "ones", affine),
        Bias(Init + "Zeros({t})", "zeros", affine),
    };

    private static TensorTemplate[] BatchNormLike() => new[]
    {
        Weight(Init + "Ones({t})", "ones", "affine"),
        Bias(Init + "Zeros({t})", "zeros", "affine"),
        new TensorTemplate("running_mean", SlotKind.Buffer, Init + "Zeros({t})", "zeros", "track_running_stats"),
        new TensorTemplate("running_var", SlotKind.Buffer, Init + "Ones({t})", "ones", "track_running_stats"),
        new TensorTemplate("num_batches_tracked", SlotKind.Buffer, Init + "Zeros({t})", "zeros", "track_running_stats"),
    };

    private const string ModelGenEmbedding = "ModelGen.Layers.Embedding";

    /// <summary>Known layers by metadata name.</summary>
    public static readonly IReadOnlyDictionary<string, LayerTemplate> ByMetadataName = new Dictionary<string, LayerTemplate>
    {
        ["TorchSharp.Modules.Linear"] = new("Linear", false, null, s_linearLike),
        ["TorchSharp.Modules.Bilinear"] = new("Bilinear", false, null,
            Weight(Init + "BilinearUniform({t}, {m}.weight!)", "uniform(±1/sqrt(in1_features))"),
            Bias(Init + "BilinearUniform({t}, {m}.weight!)", "uniform(±1/sqrt(in1_features))", "hasBias")),
        ["TorchSharp.Modules.Conv1d"] = new("Conv1d", false, null, ConvLike()),
        ["TorchSharp.Modules.Conv2d"] = new("Conv2d", false, null, ConvLike()),
        ["TorchSharp.Modules.Conv3d"] = new("Conv3d", false, null, ConvLike()),
        ["TorchSharp.Modules.ConvTranspose1d"] = new("ConvTranspose1d", false, null, ConvLike()),
        ["TorchSharp.Modules.ConvTranspose2d"] = new("ConvTranspose2d", false, null, ConvLike()),
        ["TorchSharp.Modules.ConvTranspose3d"] = new("ConvTranspose3d", false, null, ConvLike()),
        ["TorchSharp.Modules.LayerNorm"] = new("LayerNorm", false, null,
            Weight(Init + "Ones({t})", "ones", "elementwise_affine"),
            Bias(Init + "Zeros({t})", "zeros", "elementwise_affine", "bias")),
        ["TorchSharp.Modules.GroupNorm"] = new("GroupNorm", false, null, Norm("affine")),
        ["TorchSharp.Modules.BatchNorm1d"] = new("BatchNorm1d", false, null, BatchNormLike()),
        ["TorchSharp.Modules.BatchNorm2d"] = new("BatchNorm2d", false, null, BatchNormLike()),
        ["TorchSharp.Modules.BatchNorm3d"] = new("BatchNorm3d", false, null, BatchNormLike()),
        ["TorchSharp.Modules.InstanceNorm1d"] = new("InstanceNorm1d", false, null, BatchNormLike()),
        ["TorchSharp.Modules.InstanceNorm2d"] = new("InstanceNorm2d", false, null, BatchNormLike()),
        ["TorchSharp.Modules.InstanceNorm3d"] = new("InstanceNorm3d", false, null, BatchNormLike()),
        ["TorchSharp.Modules.PReLU"] = new("PReLU", false, null,
            Weight(Init + "Constant({t}, 0.25)", "constant(0.25)")),
        ["TorchSharp.Modules.Embedding"] = new("Embedding", true, ModelGenEmbedding,
            Weight(Init + "Normal({t})", "normal(0, 1)")),
        ["TorchSharp.Modules.EmbeddingBag"] = new("EmbeddingBag", true, null,
            Weight(Init + "Normal({t})", "normal(0, 1)")),
        [ModelGenEmbedding] = new("Embedding", false, null,
            Weight(Init + "Normal({t})", "normal(0, 1)")),
        ["ModelGen.Layers.RMSNorm"] = new("RMSNorm", false, null,
            Weight(Init + "Ones({t})", "ones", "elementwiseAffine")),
    };

    /// <summary>TorchSharp layers built natively whose tensors the generator does not map (reported, not followed).</summary>
    public static readonly IReadOnlyCollection<string> NativeOpaque = new HashSet<string>
    {
        "TorchSharp.Modules.MultiheadAttention",
        "TorchSharp.Modules.RNN", "TorchSharp.Modules.LSTM", "TorchSharp.Modules.GRU",
        "TorchSharp.Modules.RNNCell", "TorchSharp.Modules.LSTMCell", "TorchSharp.Modules.GRUCell",
        "TorchSharp.Modules.Transformer", "TorchSharp.Modules.TransformerEncoder", "TorchSharp.Modules.TransformerDecoder",
        "TorchSharp.Modules.TransformerEncoderLayer", "TorchSharp.Modules.TransformerDecoderLayer",
    };
}
