using TorchSharp;

namespace ModelGen.Examples.Modeling;

/// <summary>
/// The activation a config names in <c>hidden_act</c>, applied as transformers' <c>ACT2FN</c> does. Only the names
/// whose function is a plain torch op are implemented; any other name is refused rather than computed as SiLU.
/// </summary>
public sealed class HiddenActivation
{
    /// <summary>The names this example computes.</summary>
    public static readonly IReadOnlyList<string> Names = ["silu", "swish", "gelu", "gelu_pytorch_tanh", "relu"];

    /// <summary>SiLU, the default of the Llama, Mistral, Qwen2 and Qwen3-MoE configs.</summary>
    public static HiddenActivation SiLU { get; } = new("silu");

    private HiddenActivation(string name) => Name = name;

    /// <summary>The <c>hidden_act</c> name.</summary>
    public string Name { get; }

    /// <summary>The activation named <paramref name="name"/>; SiLU when the config has none.</summary>
    /// <exception cref="FormatException">The name is not one of <see cref="Names"/>.</exception>
    public static HiddenActivation Parse(string? name) =>
        name is null ? SiLU
        : Names.Contains(name) ? new HiddenActivation(name)
        : throw new FormatException($"config.json field 'hidden_act' is '{name}': this example implements {string.Join(", ", Names)}.");

    /// <summary>Applies the activation element-wise.</summary>
    public torch.Tensor Apply(torch.Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Name switch
        {
            "silu" or "swish" => torch.nn.functional.silu(x),
            "gelu" => torch.nn.functional.gelu(x),
            "gelu_pytorch_tanh" => torch.nn.functional.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh),
            "relu" => torch.nn.functional.relu(x),
            _ => throw new InvalidOperationException($"hidden_act '{Name}' has no function."),
        };
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
