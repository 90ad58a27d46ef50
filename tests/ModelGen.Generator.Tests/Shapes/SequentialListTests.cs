using Microsoft.CodeAnalysis;
using ModelGen.Generator.Tests.GroundTruth.Models;
using ModelGen.Generator.Tests.Infrastructure;
using ModelGen.Mapping;
using TorchSharp;

namespace ModelGen.Generator.Tests.Shapes;

/// <summary>
/// Module lists of Sequential blocks: keys <c>blocks.{i}.0.weight</c> as TorchSharp registers them, shapes of each
/// child checked against the checkpoint, the list length counted, and entries that are not built alike reported.
/// </summary>
public sealed class SequentialListTests
{
    private static string Model(string constructor, string parameters = "") => DemoSource.Usings + $$"""
        [ShardedModel]
        public partial class M : nn.Module<Tensor, Tensor>
        {
            private readonly ModuleList<Sequential> blocks{{(constructor.StartsWith("blocks =", StringComparison.Ordinal) ? "" : " = new()")}};
            public M({{parameters}}) : base("M")
            {
                {{constructor}}
                RegisterComponents();
            }
            public override Tensor forward(Tensor x) => x;
        }
        """;

    private const string Mlp = "nn.Sequential(nn.Linear(8, 32), nn.GELU(), nn.Linear(32, 8, hasBias: false))";

    private static string RangeOf(string count, string block) =>
        $"blocks = new ModuleList<Sequential>(Enumerable.Range(0, {count}).Select(i => {block}).ToArray());";

    /// <summary>The keys of <paramref name="count"/> MLP blocks: the first Linear with its bias, the last without.</summary>
    private static string Checkpoint(int count, string firstWidth = "8", string lastWidth = "32")
    {
        var lines = new List<string>();
        for (int i = 0; i < count; i++)
        {
            lines.Add($"blocks.{i}.0.weight F32 [32,{firstWidth}]");
            lines.Add($"blocks.{i}.0.bias F32 [32]");
            lines.Add($"blocks.{i}.2.weight F32 [8,{lastWidth}]");
        }
        return string.Concat(lines.Order(StringComparer.Ordinal).Select(l => l + "\n"));
    }

    private static void AssertClean(GeneratorResult result)
    {
        Assert.Empty(result.Reported.Select(d => d.ToString()));
        Assert.Empty(result.CompilerDiagnostics.Select(d => d.ToString()));
    }

    [Fact]
    public void Keys_and_slots_match_what_TorchSharp_registers()
    {
        using var zoo = new SequentialListZoo();

        var registered = zoo.state_dict().Keys.Order(StringComparer.Ordinal).ToList();
        var slots = ((IShardedModel)zoo).GetTensorSlots();

        string[] expected =
        [
            .. Enumerable.Range(0, 3).SelectMany(i => new[] { $"blocks.{i}.0.bias", $"blocks.{i}.0.weight", $"blocks.{i}.2.weight" }),
            .. Enumerable.Range(0, 2).SelectMany(i => new[] { $"mixers.{i}.mix.proj.weight", $"mixers.{i}.mix.scale", $"mixers.{i}.norm.bias", $"mixers.{i}.norm.weight" }),
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), registered);
        Assert.Equal(registered, slots.Select(s => s.Key).Order(StringComparer.Ordinal));
        Assert.Equal("blocks.{i}.2.weight", slots.Single(s => s.Key == "blocks.1.2.weight").Pattern);
        Assert.True(slots.Single(s => s.Key == "mixers.1.mix.scale").Computed);
        foreach (TensorSlot slot in slots)
        {
            torch.Tensor old = slot.Get()!;
            slot.Set(torch.full(old.shape, 3.0, dtype: old.dtype));
        }
        Assert.All(zoo.state_dict(), p => Assert.True(p.Value.eq(3.0).all().item<bool>(), p.Key));
    }

    [Fact]
    public void ComputeBuffers_reaches_custom_modules_inside_every_block()
    {
        using var zoo = new SequentialListZoo();

        ((IShardedModel)zoo).ComputeBuffers(torch.CPU);

        var buffers = zoo.state_dict();
        Assert.All(new[] { "mixers.0.mix.scale", "mixers.1.mix.scale" }, k => Assert.Equal(new[] { 0.5f, 0.5f, 0.5f, 0.5f }, buffers[k].data<float>().ToArray()));
    }

    [Fact]
    public void The_corrected_model_builds_clean()
    {
        AssertClean(ShapeHarness.Run(Model(RangeOf("3", Mlp)), Checkpoint(3)));
    }

    [Fact]
    public void MG0020_a_wrong_width_inside_a_block_is_reported_at_the_literal()
    {
        string source = Model(RangeOf("3", Mlp.Replace("nn.Linear(32, 8", "nn.Linear(30, 8")));

        Diagnostic d = Assert.Single(ShapeHarness.Run(source, Checkpoint(3)).Reported);

        Assert.Equal("MG0020", d.Id);
        Assert.Equal("Checkpoint key 'blocks.0.2.weight' has shape [8, 32], but the model creates [8, 30] (and 2 more keys like 'blocks.{i}.2.weight'); "
            + "dimension 1 is 30, the checkpoint's 32", d.GetMessage());
        Assert.Equal(Positions.Of(source, "30, 8"), Positions.Start(d));
    }

    [Fact]
    public void MG0022_a_wrong_block_count_is_reported_at_the_count()
    {
        string source = Model(RangeOf("2", Mlp));

        Diagnostic d = Assert.Single(ShapeHarness.Run(source, Checkpoint(3)).Reported);

        Assert.Equal("MG0022", d.Id);
        Assert.Equal("Module list 'blocks' gets 2 entries in the model but the checkpoint has 3 (indices 0 to 2, for example 'blocks.2.0.bias')", d.GetMessage());
        Assert.Equal(Positions.Of(source, "2).Select"), Positions.Start(d));
    }

    [Fact]
    public void Symbolic_sizes_and_counts_are_unified_with_the_checkpoint()
    {
        string source = Model("for (int i = 0; i < layers; i++) blocks.Add(nn.Sequential(nn.Linear(hidden, 4 * hidden), nn.GELU(), nn.Linear(4 * hidden, hidden, hasBias: false)));",
            "int hidden, int layers");

        AssertClean(ShapeHarness.Run(source, Checkpoint(3)));

        Diagnostic d = Assert.Single(ShapeHarness.Run(source, Checkpoint(3, lastWidth: "24")).Reported);
        Assert.Equal("MG0020", d.Id);
        Assert.Equal("Checkpoint key 'blocks.0.2.weight' has shape [8, 24], but the model creates [hidden = 8, 4 * hidden = 32] (and 2 more keys like "
            + "'blocks.{i}.2.weight'); dimension 1 is 4 * hidden = 32, the checkpoint's 24", d.GetMessage());
        Assert.Equal(Positions.Of(source, "4 * hidden, hidden"), Positions.Start(d));
    }

    [Fact]
    public void A_collection_expression_of_blocks_is_counted()
    {
        string source = Model($"blocks = [{Mlp}, {Mlp}];");

        AssertClean(ShapeHarness.Run(source, Checkpoint(2)));
        Diagnostic d = Assert.Single(ShapeHarness.Run(source, Checkpoint(3)).Reported);
        Assert.Equal("MG0022", d.Id);
    }

    [Fact]
    public void MG0003_blocks_that_are_not_built_alike_are_reported_at_the_list_creation()
    {
        string source = Model($"blocks = [{Mlp}, nn.Sequential(nn.LayerNorm(8))];");

        Diagnostic d = Assert.Single(ShapeHarness.Run(source, Checkpoint(2)).Reported, x => x.Id == "MG0003");

        Assert.Equal("'M.blocks' holds 'TorchSharp.Modules.ModuleList<TorchSharp.Modules.Sequential>', which the generator cannot see into: its entries are not all "
            + "built alike (entry 1 differs from entry 0 in the names, types or optional tensors of its children), so their keys differ; build every entry "
            + "with the same children, or use a custom module; its parameters and buffers are not mapped", d.GetMessage());
        Assert.Equal(Positions.Of(source, "[nn.Sequential"), Positions.Start(d));
    }

    [Fact]
    public void MG0003_a_block_that_is_not_created_in_the_list_is_reported_at_the_entry()
    {
        string source = Model("blocks = [Block(), Block()];").Replace("public M(", "private static Sequential Block() => " + Mlp + ";\n    public M(");

        Diagnostic d = Assert.Single(ShapeHarness.Run(source, Checkpoint(2)).Reported, x => x.Id == "MG0003");

        Assert.Contains("each entry of a module list of Sequential blocks must be created as nn.Sequential(...) with its children listed", d.GetMessage());
        Assert.Equal(Positions.Of(source, "Block(), Block()"), Positions.Start(d));
    }

    [Fact]
    public void MG0003_blocks_added_outside_the_constructors_are_reported_at_the_list_creation()
    {
        string source = Model("").Replace("public M(", "public void Grow() => blocks.Add(" + Mlp + ");\n    public M(");

        Diagnostic d = Assert.Single(ShapeHarness.Run(source, Checkpoint(2)).Reported, x => x.Id == "MG0003");

        Assert.Contains("the entries of a module list of Sequential blocks are known only when the list is created in one place", d.GetMessage());
        Assert.Equal(Positions.Of(source, "new();"), Positions.Start(d));
    }

    [Fact]
    public void MG0026_blocks_of_different_sizes_keep_their_keys_but_are_not_checkable()
    {
        string source = Model("int[] widths = [8, 16]; foreach (int w in widths) blocks.Add(nn.Sequential(nn.Linear(w, 32), nn.GELU(), nn.Linear(32, 8, hasBias: false)));");
        string checkpoint = Checkpoint(2).Replace("blocks.1.0.weight F32 [32,8]", "blocks.1.0.weight F32 [32,16]");

        Diagnostic d = Assert.Single(ShapeHarness.Run(source, checkpoint).Reported);

        Assert.Equal("MG0026", d.Id);
        Assert.Contains("'blocks.{i}.0.weight' (its entries are not all created alike", d.GetMessage());
        Assert.Equal("MG0007", Assert.Single(ShapeHarness.Run(source, checkpoint.Replace("blocks.1.2.weight F32 [8,32]\n", "")).Reported, x => x.Id == "MG0007").Id);
    }

    [Fact]
    public void A_problem_inside_a_block_built_in_a_loop_is_reported_once()
    {
        string source = Model("for (int i = 0; i < 3; i++) blocks.Add(nn.Sequential(nn.Linear(8, 32), nn.Dropout(), new Opaque()));")
            .Replace("namespace Demo;", "namespace Demo;\npublic sealed class Opaque : nn.Module<Tensor, Tensor> { public Opaque() : base(\"O\") { } public override Tensor forward(Tensor x) => x; }");

        Diagnostic d = Assert.Single(ShapeHarness.Run(source, Checkpoint(3)).Reported, x => x.Id == "MG0003");

        Assert.Equal(Positions.Of(source, "new Opaque()"), Positions.Start(d));
        Assert.Contains("'M.blocks[{i}][2]' holds 'Demo.Opaque'", d.GetMessage());
    }

    [Fact]
    public void A_sequential_field_inside_a_list_of_modules_matches_its_checkpoint_keys()
    {
        // The digit names of a Sequential's children are not list indices: 'layers.1.mlp.0.weight' is 'layers.{i}.mlp.0.weight'.
        string source = Model("for (int i = 0; i < 2; i++) layers.Add(new Block());")
            .Replace("private readonly ModuleList<Sequential> blocks = new();", "private readonly ModuleList<Block> layers = new();")
            .Replace("namespace Demo;", "namespace Demo;\npublic sealed partial class Block : nn.Module<Tensor, Tensor> { private readonly Sequential mlp = nn.Sequential(nn.Linear(8, 32), nn.GELU(), nn.Linear(32, 8)); public Block() : base(\"B\") => RegisterComponents(); public override Tensor forward(Tensor x) => mlp.forward(x); }");
        string checkpoint = string.Concat(Enumerable.Range(0, 2).SelectMany(i => new[]
        {
            $"layers.{i}.mlp.0.bias F32 [32]\n", $"layers.{i}.mlp.0.weight F32 [32,8]\n", $"layers.{i}.mlp.2.bias F32 [8]\n", $"layers.{i}.mlp.2.weight F32 [8,32]\n",
        }));

        AssertClean(ShapeHarness.Run(source, checkpoint));
        Diagnostic d = Assert.Single(ShapeHarness.Run(source, checkpoint.Replace("layers.1.mlp.2.bias F32 [8]\n", "")).Reported);
        Assert.Equal("MG0007", d.Id);
        Assert.StartsWith("'layers.{i}.mlp.2.bias' (parameter) is not in the checkpoint for 1 of 2 list entries ('layers.1.mlp.2.bias')", d.GetMessage());
    }
}
