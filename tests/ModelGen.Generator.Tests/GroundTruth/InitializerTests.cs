using ModelGen.Generator.Tests.GroundTruth.Models;
using ModelGen.Mapping;
using TorchSharp;

namespace ModelGen.Generator.Tests.GroundTruth;

/// <summary>The generated initializers match the statistics PyTorch's layer defaults produce, and user overrides run.</summary>
public sealed class InitializerTests
{
    private static Dictionary<string, TensorSlot> Slots(torch.nn.Module module) =>
        ((IShardedModel)module).GetTensorSlots().ToDictionary(s => s.Key);

    private static torch.Tensor Fill(TensorSlot slot, long[]? shape = null)
    {
        torch.Tensor t = torch.empty(shape ?? slot.Get()!.shape, dtype: torch.float64);
        t.fill_(double.NaN);
        slot.Initialize!(t);
        return t;
    }

    [Fact]
    public void Linear_weight_is_kaiming_uniform_and_bias_uniform_in_one_over_sqrt_fan_in()
    {
        using var zoo = new LayerZoo(withBias: true);
        var slots = Slots(zoo);
        double bound = 1 / Math.Sqrt(4);

        torch.Tensor weight = Fill(slots["plain.weight"], [3, 4]);
        // Statistics need many samples: fill a larger tensor of the same fan-in with the same initializer.
        torch.Tensor big = torch.empty(20000, 4, dtype: torch.float64);
        slots["plain.weight"].Initialize!(big);
        torch.Tensor bias = Fill(slots["plain.bias"]);

        Assert.True(weight.abs().max().item<double>() <= bound);
        Assert.True(bias.abs().max().item<double>() <= bound);
        Assert.InRange(big.std().item<double>(), bound / Math.Sqrt(3) * 0.97, bound / Math.Sqrt(3) * 1.03);
        Assert.InRange(big.mean().item<double>(), -0.01, 0.01);
    }

    [Fact]
    public void Conv_bias_bound_uses_the_receptive_field()
    {
        using var zoo = new LayerZoo(withBias: true);
        var slots = Slots(zoo);
        // conv1: in 2, kernel 3 => fan_in 6.
        torch.Tensor bias = torch.empty(50000, dtype: torch.float64);
        slots["conv1.bias"].Initialize!(bias);
        double bound = 1 / Math.Sqrt(6);

        Assert.True(bias.abs().max().item<double>() <= bound);
        Assert.True(bias.abs().max().item<double>() > bound * 0.99);
    }

    [Fact]
    public void Norms_are_ones_and_zeros_and_running_statistics_reset()
    {
        using var zoo = new LayerZoo(withBias: true);
        var slots = Slots(zoo);

        Assert.True(Fill(slots["ln.weight"]).eq(1).all().item<bool>());
        Assert.True(Fill(slots["ln.bias"]).eq(0).all().item<bool>());
        Assert.True(Fill(slots["gn.weight"]).eq(1).all().item<bool>());
        Assert.True(Fill(slots["bn1.running_mean"]).eq(0).all().item<bool>());
        Assert.True(Fill(slots["bn1.running_var"]).eq(1).all().item<bool>());
        Assert.True(Fill(slots["bn1.num_batches_tracked"]).eq(0).all().item<bool>());
        Assert.True(Fill(slots["rms.weight"]).eq(1).all().item<bool>());
        Assert.True(Fill(slots["prelu.weight"]).eq(0.25).all().item<bool>());
    }

    [Fact]
    public void Embedding_is_standard_normal()
    {
        using var zoo = new LayerZoo(withBias: true);
        torch.Tensor table = torch.empty(50000, 4, dtype: torch.float64);
        Slots(zoo)["embedding.weight"].Initialize!(table);

        Assert.InRange(table.mean().item<double>(), -0.02, 0.02);
        Assert.InRange(table.std().item<double>(), 0.98, 1.02);
    }

    [Fact]
    public void Bilinear_uses_one_over_sqrt_in1_features()
    {
        using var zoo = new LayerZoo(withBias: true);
        torch.Tensor weight = torch.empty(4000, 2, 3, dtype: torch.float64);
        Slots(zoo)["bilinear.weight"].Initialize!(weight);
        double bound = 1 / Math.Sqrt(2);

        Assert.True(weight.abs().max().item<double>() <= bound);
        Assert.True(weight.abs().max().item<double>() > bound * 0.99);
    }

    [Fact]
    public void A_user_initializer_replaces_the_default()
    {
        using var zoo = new LayerZoo(withBias: true);

        Assert.True(Fill(Slots(zoo)["scale"]).eq(2).all().item<bool>());
        Assert.Equal("InitScale()", LayerZoo.CheckpointKeys.Patterns.Single(p => p.Pattern == "scale").Initializer);
    }

    [Fact]
    public void A_custom_parameter_without_initializer_has_none()
    {
        using var zoo = new LayerZoo(withBias: true);

        Assert.Null(Slots(zoo)["renamed_block.gain"].Initialize);
        Assert.Null(LayerZoo.CheckpointKeys.Patterns.Single(p => p.Pattern == "renamed_block.gain").Initializer);
    }
}
