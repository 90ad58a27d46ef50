using ModelGen.Cli.Check;
using ModelGen.Cli.Output;

namespace ModelGen.Cli.Tests;

public sealed class OutputFormattingTests
{
    [Fact]
    public void Table_pads_text_left_and_numbers_right_and_trims_line_ends()
    {
        var table = new TextTable(("NAME", false), ("N", true), ("NOTE", false));
        table.Add("a", "1", "");
        table.Add("longer", "1,000", "x");
        var writer = new StringWriter();

        table.Write(writer);

        Assert.Equal("NAME        N  NOTE\na           1\nlonger  1,000  x\n", writer.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Table_rejects_rows_of_the_wrong_width()
    {
        var table = new TextTable(("A", false), ("B", false));

        Assert.Throws<ArgumentException>(() => table.Add("only one"));
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1024, "1.00 KiB")]
    [InlineData(1536, "1.50 KiB")]
    [InlineData(5L << 30, "5.00 GiB")]
    public void Byte_sizes_use_binary_units(long bytes, string expected) => Assert.Equal(expected, ByteSizes.Format(bytes));

    [Fact]
    public void Key_shapes_replace_digit_segments_and_collect_indices()
    {
        Assert.Equal("model.layers.{i}.experts.{i}.w", KeyShapes.Shape("model.layers.12.experts.3.w", out string tuple));
        Assert.Equal("12,3", tuple);
        Assert.Equal("a.b1.c", KeyShapes.Shape("a.b1.c", out string none));
        Assert.Equal("", none);
    }

    [Fact]
    public void Anchors_are_the_prefixes_ending_in_each_list_index()
    {
        Assert.Equal(
            [new ListAnchor("blocks.{i}", null), new ListAnchor("blocks.{i}.heads.{i}", "blocks.{i}")],
            KeyShapes.Anchors("blocks.{i}.heads.{i}.w"));
    }
}
