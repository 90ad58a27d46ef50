using Microsoft.CodeAnalysis;
using ModelGen.Generator.Tests.GroundTruth.Models;
using ModelGen.Generator.Tests.Infrastructure;
using ModelGen.Mapping;
using TorchSharp;

namespace ModelGen.Generator.Tests.Shapes;

/// <summary>nn.Sequential: keys as TorchSharp registers them (0, 1, ... by position, or the given names), glue that reaches each child, and shapes.</summary>
public sealed class SequentialTests
{
    [Fact]
    public void Keys_and_slots_match_what_TorchSharp_registers()
    {
        using var zoo = new SequentialZoo();

        var registered = zoo.state_dict().Keys.Order(StringComparer.Ordinal).ToList();
        var slots = ((IShardedModel)zoo).GetTensorSlots();

        Assert.Equal(["mlp.0.bias", "mlp.0.weight", "mlp.2.weight", "named.block.proj.weight", "named.norm.bias", "named.norm.weight"], registered);
        Assert.Equal(registered, slots.Select(s => s.Key).Order(StringComparer.Ordinal));
        foreach (TensorSlot slot in slots)
        {
            torch.Tensor old = slot.Get()!;
            slot.Set(torch.full(old.shape, 3.0, dtype: old.dtype));
        }
        Assert.All(zoo.state_dict(), p => Assert.True(p.Value.eq(3.0).all().item<bool>(), p.Key));
    }

    private const string Source = """
        using ModelGen;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;
        namespace Demo;
        [ShardedModel]
        public partial class M : nn.Module<Tensor, Tensor>
        {
            private Sequential mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4, hasBias: false));
            public M() : base("M") => RegisterComponents();
            public override Tensor forward(Tensor x) => mlp.forward(x);
        }
        """;

    [Fact]
    public void Sequential_children_get_shapes()
    {
        const string manifest = "mlp.0.weight F32 [8,4]\nmlp.0.bias F32 [8]\nmlp.2.weight F32 [4,8]\n";
        var clean = ShapeHarness.Run(Source, manifest);
        Assert.Empty(clean.Reported);
        Assert.Empty(clean.CompilerDiagnostics);

        Diagnostic d = Assert.Single(ShapeHarness.Run(Source, manifest.Replace("mlp.2.weight F32 [4,8]", "mlp.2.weight F32 [4,6]")).Reported);
        Assert.Equal("MG0020", d.Id);
        Assert.Equal("Checkpoint key 'mlp.2.weight' has shape [4, 6], but the model creates [4, 8]; dimension 1 is 8, the checkpoint's 6", d.GetMessage());
        Assert.Equal(Positions.Of(Source, "8, 4, hasBias"), Positions.Start(d));
    }

    [Fact]
    public void MG0003_a_sequential_whose_children_are_not_listed_in_its_creation()
    {
        string source = Source.Replace("nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4, hasBias: false))", "Make()")
            .Replace("public M()", "private static Sequential Make() => nn.Sequential(nn.Linear(4, 8));\n    public M()");

        Diagnostic d = Assert.Single(ShapeHarness.Run(source, "mlp.0.weight F32 [8,4]\n").Reported, x => x.Id == "MG0003");

        Assert.Equal(Positions.Of(source, "mlp ="), Positions.Start(d));
        Assert.Contains("a Sequential's keys are known only when it is created in one place with its children listed", d.GetMessage());
    }
}
