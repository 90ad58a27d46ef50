using Microsoft.CodeAnalysis;
using ModelGen.Generator.Tests.Infrastructure;

namespace ModelGen.Generator.Tests.Shapes;

/// <summary>
/// C# 12 collection expressions evaluated at build time: module lists given as <c>[a, b]</c>, arrays of sizes used in
/// loops (one evaluation per iteration), and shapes such as <c>[4, 8]</c>. Each bad model gets the exact diagnostic
/// where the value is written, each corrected one none.
/// </summary>
public sealed class CollectionExpressionTests
{
    private static string Model(string members, string constructorBody = "") => DemoSource.Usings + $$"""
        [ShardedModel]
        public partial class M : nn.Module<Tensor, Tensor>
        {
        {{members}}
            public M() : base("M") { {{constructorBody}} RegisterComponents(); }
            public override Tensor forward(Tensor x) => x;
        }
        public partial class Block : nn.Module<Tensor, Tensor>
        {
            private Linear proj = nn.Linear(4, 2, hasBias: false);
            public Block() : base("B") => RegisterComponents();
            public override Tensor forward(Tensor x) => x;
        }
        """;

    private static void AssertAt(Diagnostic diagnostic, string source, string marker) =>
        Assert.Equal(Positions.Of(source, marker), Positions.Start(diagnostic));

    private static void AssertClean(GeneratorResult result)
    {
        Assert.Empty(result.Reported);
        Assert.Empty(result.CompilerDiagnostics);
    }

    private static string Entries(string prefix, int count, string rest) =>
        string.Concat(Enumerable.Range(0, count).Select(i => $"{prefix}.{i}.{rest}\n"));

    [Fact]
    public void MG0022_a_module_list_given_as_a_collection_expression_counts_its_elements()
    {
        string source = Model("    private ModuleList<Linear> layers = nn.ModuleList<Linear>([nn.Linear(2, 4, hasBias: false), nn.Linear(2, 4, hasBias: false)]);");

        Diagnostic d = Assert.Single(ShapeHarness.Run(source, Entries("layers", 3, "weight F32 [4,2]")).Reported);

        Assert.Equal("MG0022", d.Id);
        Assert.Equal("Module list 'layers' gets 2 entries in the model but the checkpoint has 3 (indices 0 to 2, for example 'layers.2.weight')", d.GetMessage());
        AssertAt(d, source, "nn.ModuleList<Linear>([");
        AssertClean(ShapeHarness.Run(source, Entries("layers", 2, "weight F32 [4,2]")));
    }

    [Fact]
    public void MG0020_the_entries_of_a_collection_expression_are_evaluated()
    {
        string source = Model("    private ModuleList<Linear> layers = nn.ModuleList<Linear>([nn.Linear(2, 4, hasBias: false), nn.Linear(2, 4, hasBias: false)]);");

        Diagnostic d = Assert.Single(ShapeHarness.Run(source, Entries("layers", 2, "weight F32 [4,3]")).Reported);

        Assert.Equal("MG0020", d.Id);
        Assert.Equal("Checkpoint key 'layers.0.weight' has shape [4, 3], but the model creates [4, 2] (and 1 more keys like 'layers.{i}.weight'); dimension 1 is 2, the checkpoint's 3", d.GetMessage());
        AssertAt(d, source, "2, 4, hasBias");
    }

    [Fact]
    public void MG0022_a_field_initialized_by_a_collection_expression_and_a_params_array()
    {
        string collection = Model("    private ModuleList<Block> layers = [new Block(), new Block()];");
        string array = Model("    private ModuleList<Block> layers = new ModuleList<Block>(new Block[] { new Block(), new Block() });");
        string manifest = Entries("layers", 3, "proj.weight F32 [2,4]");

        Diagnostic fromCollection = Assert.Single(ShapeHarness.Run(collection, manifest).Reported);
        Diagnostic fromArray = Assert.Single(ShapeHarness.Run(array, manifest).Reported);

        Assert.Equal("MG0022", fromCollection.Id);
        AssertAt(fromCollection, collection, "[new Block()");
        Assert.Equal("MG0022", fromArray.Id);
        AssertAt(fromArray, array, "new ModuleList<Block>(new");
        AssertClean(ShapeHarness.Run(collection, Entries("layers", 2, "proj.weight F32 [2,4]")));
        AssertClean(ShapeHarness.Run(array, Entries("layers", 2, "proj.weight F32 [2,4]")));
    }

    [Fact]
    public void MG0022_a_spread_of_a_range_gets_its_count()
    {
        string source = Model("    private ModuleList<Block> layers = [.. Enumerable.Range(0, 2).Select(_ => new Block())];");

        Diagnostic d = Assert.Single(ShapeHarness.Run(source, Entries("layers", 3, "proj.weight F32 [2,4]")).Reported);

        Assert.Equal("MG0022", d.Id);
        AssertAt(d, source, "2).Select");
        AssertClean(ShapeHarness.Run(source, Entries("layers", 2, "proj.weight F32 [2,4]")));
    }

    [Fact]
    public void A_collection_mixing_entries_and_a_spread_is_not_counted()
    {
        // Two entries and a spread of unknown length: neither 2 nor 3 is claimed, so the checkpoint's 3 is not contradicted.
        string source = Model("    private ModuleList<Block> layers = nn.ModuleList<Block>([new Block(), .. Extra(), new Block()]);\n    private static Block[] Extra() => [new Block()];");

        var result = ShapeHarness.Run(source, Entries("layers", 3, "proj.weight F32 [2,4]"));

        Assert.DoesNotContain(result.Reported, d => d.Id == "MG0022");
        Assert.Empty(result.CompilerDiagnostics);
    }

    private const string Layers = "    private ModuleList<Linear> layers = new ModuleList<Linear>();";

    [Theory]
    [InlineData("int[] widths = [16, 16];", "widths.Length")]
    [InlineData("List<long> widths = [16, 16];", "widths.Count")]
    [InlineData("var widths = new long[] { 16, 16 };", "widths.Length")]
    public void MG0022_a_for_loop_over_an_array_of_sizes_runs_its_length(string declaration, string length)
    {
        string source = Model(Layers, declaration + $" for (int i = 0; i < {length}; i++) layers.Add(nn.Linear(widths[i], 8, hasBias: false));");

        Diagnostic d = Assert.Single(ShapeHarness.Run(source, Entries("layers", 3, "weight F32 [8,16]")).Reported);

        Assert.Equal("MG0022", d.Id);
        Assert.Equal($"Module list 'layers' gets {length} = 2 entries in the model but the checkpoint has 3 (indices 0 to 2, for example 'layers.2.weight')", d.GetMessage());
        AssertAt(d, source, length);
        AssertClean(ShapeHarness.Run(source, Entries("layers", 2, "weight F32 [8,16]")));
    }

    [Fact]
    public void MG0020_each_iteration_reads_its_own_element()
    {
        string forLoop = Model(Layers, "int[] widths = [16, 16]; for (int i = 0; i < widths.Length; i++) layers.Add(nn.Linear(widths[i], 8, hasBias: false));");
        string forEach = Model(Layers, "List<long> widths = [16, 16]; foreach (long w in widths) layers.Add(nn.Linear(w, 8, hasBias: false));");
        string manifest = Entries("layers", 2, "weight F32 [8,12]");

        Diagnostic fromFor = Assert.Single(ShapeHarness.Run(forLoop, manifest).Reported);
        Diagnostic fromForEach = Assert.Single(ShapeHarness.Run(forEach, manifest).Reported);

        Assert.Equal("MG0020", fromFor.Id);
        Assert.Equal("Checkpoint key 'layers.0.weight' has shape [8, 12], but the model creates [8, widths[i] = 16] (and 1 more keys like 'layers.{i}.weight'); dimension 1 is widths[i] = 16, the checkpoint's 12", fromFor.GetMessage());
        AssertAt(fromFor, forLoop, "widths[i]");
        Assert.Equal("MG0020", fromForEach.Id);
        AssertAt(fromForEach, forEach, "16, 16]");
        AssertClean(ShapeHarness.Run(forEach, Entries("layers", 2, "weight F32 [8,16]")));
    }

    [Fact]
    public void MG0026_iterations_that_read_different_sizes_are_not_checkable_but_counted()
    {
        string source = Model(Layers, "int[] widths = [16, 32]; for (int i = 0; i < widths.Length; i++) layers.Add(nn.Linear(widths[i], 8, hasBias: false));");

        var result = ShapeHarness.Run(source, "layers.0.weight F32 [8,16]\nlayers.1.weight F32 [8,32]\n");

        Diagnostic d = Assert.Single(result.Reported);
        Assert.Equal("MG0026", d.Id);
        Assert.Equal("Shapes of 'Demo.M' checked for 0 of 2 checkpoint keys in '/ckpt/m.manifest'; not checkable: 'layers.{i}.weight' (its entries are not all "
            + "created alike where the generator looks (the container's initializer, Enumerable.Range(...).Select(...), Add in a constructor))", d.GetMessage());
        AssertAt(d, source, "M : nn");
        Assert.Equal("MG0022", Assert.Single(ShapeHarness.Run(source, "layers.0.weight F32 [8,16]\n").Reported, x => x.Id == "MG0022").Id);
    }

    [Fact]
    public void A_loop_variable_is_not_its_first_value()
    {
        // Before loops were iterated, i read as its initializer 0, and every entry looked like nn.Linear(4, 8).
        string source = Model(Layers, "for (int i = 0; i < 2; i++) layers.Add(nn.Linear(4 + i, 8, hasBias: false));");

        Diagnostic d = Assert.Single(ShapeHarness.Run(source, Entries("layers", 2, "weight F32 [8,4]")).Reported);

        Assert.Equal("MG0026", d.Id);
        Assert.Contains("'layers.{i}.weight' (its entries are not all created alike", d.GetMessage());
    }

    [Fact]
    public void MG0020_a_tensor_shape_and_a_normalized_shape_given_as_collection_expressions()
    {
        string source = Model("""
                private Parameter scale = new Parameter(torch.zeros([4, 8]));
                private LayerNorm norm = nn.LayerNorm([4, 8]);
            """);

        var bad = ShapeHarness.Run(source, "scale F32 [4,6]\nnorm.weight F32 [4,8]\nnorm.bias F32 [4,8]\n");

        Diagnostic d = Assert.Single(bad.Reported);
        Assert.Equal("MG0020", d.Id);
        Assert.Equal("Checkpoint key 'scale' has shape [4, 6], but the model creates [4, 8]; dimension 1 is 8, the checkpoint's 6", d.GetMessage());
        AssertAt(d, source, "8]));");
        Diagnostic norm = Assert.Single(ShapeHarness.Run(source, "scale F32 [4,8]\nnorm.weight F32 [32]\nnorm.bias F32 [4,8]\n").Reported);
        Assert.Equal("MG0020", norm.Id);
        Assert.StartsWith("Checkpoint key 'norm.weight' has shape [32], but the model creates [4, 8]", norm.GetMessage());
        AssertClean(ShapeHarness.Run(source, "scale F32 [4,8]\nnorm.weight F32 [4,8]\nnorm.bias F32 [4,8]\n"));
    }

    [Fact]
    public void A_spread_of_a_known_shape_contributes_its_elements()
    {
        string source = Model("    private Parameter scale;", "long[] inner = [4, 8]; scale = new Parameter(torch.zeros([2, .. inner]));");

        Diagnostic d = Assert.Single(ShapeHarness.Run(source, "scale F32 [2,4,6]\n").Reported);

        Assert.Equal("MG0020", d.Id);
        Assert.Equal("Checkpoint key 'scale' has shape [2, 4, 6], but the model creates [2, 4, 8]; dimension 2 is 8, the checkpoint's 6", d.GetMessage());
        AssertClean(ShapeHarness.Run(source, "scale F32 [2,4,8]\n"));
    }
}
