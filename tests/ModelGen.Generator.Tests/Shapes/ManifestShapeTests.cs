using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator.Manifest;

namespace ModelGen.Generator.Tests.Shapes;

/// <summary>The manifest keeps each line's dtype and shape, in the forms people paste them.</summary>
public sealed class ManifestShapeTests
{
    [Fact]
    public void Dtype_and_shape_are_kept_and_spaces_inside_the_brackets_are_accepted()
    {
        string text = "a.weight BF16 [4096, 1]\nb.weight F32 [ 2 ,3 ]\nscalar I64 []\nbare\ntyped U8\n";

        ManifestSpec spec = ManifestParser.Parse("m.manifest", "Demo.M", SourceText.From(text));

        Assert.Empty(spec.Diagnostics);
        Assert.Equal(["a.weight", "b.weight", "scalar", "bare", "typed"], spec.Entries.Select(e => e.Key));
        Assert.Equal("BF16", spec.Entries[0].DType);
        Assert.Equal([4096L, 1L], spec.Entries[0].Shape);
        Assert.Equal([2L, 3L], spec.Entries[1].Shape);
        Assert.True(spec.Entries[2].HasShape);
        Assert.Empty(spec.Entries[2].Shape);
        Assert.False(spec.Entries[3].HasShape);
        Assert.Null(spec.Entries[3].DType);
        Assert.Equal("U8", spec.Entries[4].DType);
        Assert.False(spec.Entries[4].HasShape);
    }

    [Fact]
    public void An_unknown_dtype_lists_the_valid_names()
    {
        ManifestSpec spec = ManifestParser.Parse("m.manifest", "Demo.M", SourceText.From("k bf16 [2]\n"));

        var diagnostic = Assert.Single(spec.Diagnostics);
        Assert.Equal("MG0010", diagnostic.Id);
        Assert.Equal("line 1: unknown dtype 'bf16'; the safetensors dtypes are BOOL, U8, I8, I16, U16, I32, U32, I64, U64, F16, BF16, F32, F64, C64, F8_E4M3, F8_E5M2, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ, F4, F6_E2M3, F6_E3M2", diagnostic.Arguments[1]);
    }

    [Theory]
    [InlineData("k F32 [4096, 1] extra", "more fields")]
    [InlineData("k F32 [4096, ]", "shape")]
    [InlineData("k F32 [4096, 1", "shape")]
    [InlineData("k F32 [40 96]", "shape")]
    public void Bad_shapes_with_spaces_are_still_reported(string line, string reason)
    {
        ManifestSpec spec = ManifestParser.Parse("m.manifest", "Demo.M", SourceText.From(line + "\n"));

        var diagnostic = Assert.Single(spec.Diagnostics);
        Assert.Contains(reason, diagnostic.Arguments[1]);
        Assert.Empty(spec.Entries);
    }

    [Fact]
    public void Shapes_take_part_in_equality_so_a_shape_edit_reruns_the_checks()
    {
        Assert.NotEqual(
            ManifestParser.Parse("m.manifest", "Demo.M", SourceText.From("a F32 [1]\n")),
            ManifestParser.Parse("m.manifest", "Demo.M", SourceText.From("a F32 [2]\n")));
    }
}
