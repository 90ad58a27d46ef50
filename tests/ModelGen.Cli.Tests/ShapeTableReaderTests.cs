using Microsoft.CodeAnalysis.Text;
using ModelGen.Cli.Check;
using ModelGen.Generator;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Mapping;
using ModelGen.Generator.Parsing;
using ListAnchor = ModelGen.Generator.Mapping.ListAnchor;

namespace ModelGen.Cli.Tests;

/// <summary>The tool reads back exactly the shape table the generator writes, and refuses one it cannot read.</summary>
public sealed class ShapeTableReaderTests
{
    private static LocationInfo At(int line, int column) =>
        new("Models.cs", default, new LinePositionSpan(new LinePosition(line, column), new LinePosition(line, column + 5)), InSource: true);

    private static DimExpr Symbol(string name, string? json, int column) =>
        new(DimKind.Symbol, 0, name, json, EquatableArray<DimExpr>.Empty, name, At(3, column));

    [Fact]
    public void Every_kind_of_dimension_position_and_entry_comes_back_equal()
    {
        DimExpr product = DimExpr.Of(DimKind.Multiply, "", "config.Heads * headDim", At(4, 1), Symbol("config.Heads", "num_attention_heads", 2), Symbol("headDim", null, 20));
        var keys = new[]
        {
            new ShapedKey("embed.weight", new[] { DimExpr.Constant(-3, "-3", null), product }.ToEquatableArray(), null,
                DimExpr.Of(DimKind.DType, "Float16", "ScalarType.Float16", At(5, 9)), "Model.embed", At(2, 4)),
            new ShapedKey("layers.{i}.odd \"key\"\\path\t", EquatableArray<DimExpr>.Empty, "it is created in more than one way", null, "Block.odd", null),
            new ShapedKey("conv.weight", new[]
            {
                DimExpr.Opaque("int.Parse(\"4\")", At(6, 0)),
                DimExpr.Of(DimKind.Tuple, "", "(3, 3)", null, DimExpr.Constant(long.MaxValue, "long.MaxValue", null), DimExpr.Of(DimKind.Divide, "", "a / b", null, Symbol("a", null, 1), DimExpr.Constant(2, "2", null))),
                DimExpr.Of(DimKind.Subtract, "", "x - 1", null, DimExpr.Of(DimKind.Add, "", "x + 0", null, Symbol("x", "x", 7), DimExpr.Constant(0, "0", null)), DimExpr.Constant(1, "1", null)),
                new DimExpr(DimKind.Member, 0, "Width", "width", new[] { DimExpr.Of(DimKind.Parameter, "cfg", "cfg", null) }.ToEquatableArray(), "cfg.Width", null),
            }.ToEquatableArray(), null, null, "Model.conv", At(7, 3)),
        }.ToEquatableArray();
        var lists = new[]
        {
            new ShapedList("layers.{i}", 0, Symbol("config.Layers", "num_hidden_layers", 30), "Model.layers", At(8, 8)),
            new ShapedList("layers.{i}.experts.{i}", 1, null, "Block.experts", null),
        }.ToEquatableArray();
        var shapes = new ShapeTable("Demo.Model", At(1, 0), keys, lists);
        var entries = new[]
        {
            new KeyEntry("head.weight", SlotKind.Parameter, "", null, false, "embed.weight", false, "Model.head", At(9, 2), EquatableArray<ListAnchor>.Empty),
            new KeyEntry("freqs", SlotKind.Parameter, "", null, false, null, true, "Model.freqs", null, EquatableArray<ListAnchor>.Empty),
            new KeyEntry("norm.weight", SlotKind.Parameter, "", null, false, null, false, "Model.norm", null, EquatableArray<ListAnchor>.Empty),
        }.ToEquatableArray();
        var table = new KeyTable("Demo.Model", entries, EquatableArray<string>.Empty, EquatableArray<DiagnosticInfo>.Empty);

        BuildShapes read = ShapeTableReader.Read(ShapeTableText.Write(shapes, table));

        Assert.Equal(shapes, read.Shapes);
        // Only the tied and computed entries travel: all the checks read of the key table.
        Assert.Equal(entries.Take(2), read.Keys.Entries);
        Assert.Equal("Demo.Model", read.Keys.ModelName);
    }

    [Fact]
    public void Positions_keep_the_file_name_only_whatever_the_separator()
    {
        var located = new ShapeTable("M", new LocationInfo("C:\\src\\Models.cs", new TextSpan(10, 4), default, InSource: true),
            EquatableArray<ShapedKey>.Empty, new[] { new ShapedList("h.{i}", 0, null, "M.h", new LocationInfo("/home/u/src/Blocks.cs", default, default, true)) }.ToEquatableArray());

        BuildShapes read = ShapeTableReader.Read(ShapeTableText.Write(located, new KeyTable("M", EquatableArray<KeyEntry>.Empty, EquatableArray<string>.Empty, EquatableArray<DiagnosticInfo>.Empty)));

        Assert.Equal("Models.cs", read.Shapes.ModelLocation!.FilePath);
        Assert.Equal("Blocks.cs", read.Shapes.Lists[0].Location!.FilePath);
    }

    [Theory]
    [InlineData("""{"format":2,"model":"M","at":null,"keys":[],"lists":[],"ties":[]}""", "has format 2, but this modelgen reads format 1")]
    [InlineData("""{"format":1,"model":"M","at":null,"keys":[["k"]],"lists":[],"ties":[]}""", "cannot be read")]
    [InlineData("""{"format":1,"model":"M","at":null,"keys":[["k",[["Cube",0,"","","x",null,[]]],null,null,"m",null]],"lists":[],"ties":[]}""", "cannot be read")]
    [InlineData("not json", "cannot be read")]
    public void A_shape_table_it_cannot_read_is_refused_with_the_reason(string text, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => ShapeTableReader.Read(text));
        Assert.Contains(expected, e.Message);
    }
}
