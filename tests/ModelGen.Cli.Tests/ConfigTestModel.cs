using System.Text.Json.Serialization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Cli.Tests;

/// <summary>The config.json fields that shape <see cref="ConfigTestModel"/>, bound as a Hugging Face config is.</summary>
public sealed record ConfigTestConfig
{
    [JsonPropertyName("hidden_size")]
    public required int HiddenSize { get; init; }

    [JsonPropertyName("intermediate_size")]
    public required int IntermediateSize { get; init; }

    [JsonPropertyName("num_hidden_layers")]
    public required int NumHiddenLayers { get; init; }
}

/// <summary>
/// A model whose sizes come from its config object: <c>check</c> reads config.json into <see cref="ConfigTestConfig"/>
/// and builds it on the meta device. Keys: <c>layers.{i}.up.weight [intermediate, hidden]</c>, <c>layers.{i}.down.weight [hidden, intermediate]</c>.
/// </summary>
[ShardedModel]
public sealed partial class ConfigTestModel : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<ConfigTestBlock> layers;

    public ConfigTestModel(ConfigTestConfig config) : base(nameof(ConfigTestModel))
    {
        layers = new ModuleList<ConfigTestBlock>(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new ConfigTestBlock(config.HiddenSize, config.IntermediateSize)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        foreach (ConfigTestBlock block in layers) x = block.forward(x);
        return x;
    }
}

public sealed partial class ConfigTestBlock : nn.Module<Tensor, Tensor>
{
    private readonly Linear up;
    private readonly Linear down;

    public ConfigTestBlock(int hidden, int intermediate) : base(nameof(ConfigTestBlock))
    {
        up = nn.Linear(hidden, intermediate, hasBias: false);
        down = nn.Linear(intermediate, hidden, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => x + down.forward(up.forward(x));
}

/// <summary>A config-driven model whose constructor also takes a second argument: <c>check</c> cannot build it.</summary>
[ShardedModel]
public sealed partial class ConfigPairTestModel : nn.Module<Tensor, Tensor>
{
    private readonly Linear only;

    public ConfigPairTestModel(ConfigTestConfig config, int extra) : base(nameof(ConfigPairTestModel))
    {
        only = nn.Linear(config.HiddenSize, config.HiddenSize + extra, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => only.forward(x);
}
