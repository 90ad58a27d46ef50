using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Generator.Tests.GroundTruth;

/// <summary>
/// The TorchSharp 0.107 naming rules the generator relies on, checked against TorchSharp itself, so an upgrade that
/// changes them fails here first.
/// </summary>
public sealed class TorchSharpRegistrationTests
{
    private class Base : nn.Module<Tensor, Tensor>
    {
        private Linear inherited = nn.Linear(2, 2);

        protected Base() : base("Base")
        {
        }

        public override Tensor forward(Tensor x) => inherited.forward(x);
    }

    private sealed class Probe : Base
    {
        private Linear hidden = nn.Linear(2, 2, hasBias: false);
        private readonly LayerNorm frozen = nn.LayerNorm(2);
        private Linear? missing = null;
        private static Linear s_shared = nn.Linear(2, 2);
        [TorchSharp.Utils.ComponentName(Name = "renamed")]
        private Linear original = nn.Linear(2, 2, hasBias: false);
        private ModuleList<Linear> list = new(nn.Linear(2, 2, hasBias: false), nn.Linear(2, 2, hasBias: false));
        private ModuleDict<Linear> dict = new();
        private Parameter scale = new(torch.ones(2));
        private Tensor running = torch.zeros(2);
        private Tensor? absent = null;

        public Probe()
        {
            dict.Add("x", nn.Linear(2, 2, hasBias: false));
            RegisterComponents();
        }

        public Linear Auto { get; } = nn.Linear(2, 2, hasBias: false);

        public Linear Computed => hidden;

        public object?[] Touch() => [hidden, frozen, missing, s_shared, original, list, dict, scale, running, absent];
    }

    [Fact]
    public void Names_follow_fields_component_names_lists_dicts_and_base_classes()
    {
        using var probe = new Probe();

        var parameters = probe.named_parameters().Select(p => p.name).Order(StringComparer.Ordinal);
        var buffers = probe.named_buffers().Select(b => b.name);

        Assert.Equal(
            new[]
            {
                "<Auto>k__BackingField.weight", "dict.x.weight", "frozen.bias", "frozen.weight", "hidden.weight",
                "inherited.bias", "inherited.weight", "list.0.weight", "list.1.weight", "renamed.weight", "scale",
            },
            parameters);
        Assert.Equal(new[] { "running" }, buffers);
        Assert.NotEmpty(probe.Touch());
    }
}
