using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator.Manifest;

namespace ModelGen.Generator.Tests.Manifest;

/// <summary>The manifest format the generator reads.</summary>
public sealed class ManifestParserTests
{
    [Fact]
    public void Keys_alone_or_with_dtype_and_shape_comments_blank_lines_and_crlf()
    {
        string text = "# header\r\n\r\nonly.key\r\n  typed.key BF16\r\nfull.key F8_E4M3 [2,3]\r\nscalar I64 []\r\n";

        ManifestSpec spec = ManifestParser.Parse("m.manifest", "Demo.M", SourceText.From(text));

        Assert.Empty(spec.Diagnostics);
        Assert.Equal(new[] { "only.key", "typed.key", "full.key", "scalar" }, spec.Entries.Select(e => e.Key));
        ManifestEntry typed = spec.Entries[1];
        Assert.Equal(3, typed.Line);
        Assert.Equal(2, typed.Column);
        Assert.Equal("typed.key", text.Substring(typed.Start, typed.Length));
    }

    [Theory]
    [InlineData("k F32 [2,]", "shape")]
    [InlineData("k F32 [a]", "shape")]
    [InlineData("k F32 2,3", "shape")]
    [InlineData("k f32", "unknown dtype")]
    [InlineData(".k", "empty segment")]
    [InlineData("k.", "empty segment")]
    [InlineData("k F32 [1] extra", "more fields")]
    public void Invalid_lines_are_reported_at_their_line(string line, string reason)
    {
        ManifestSpec spec = ManifestParser.Parse("m.manifest", "Demo.M", SourceText.From("good F32 [1]\n" + line + "\n"));

        var diagnostic = Assert.Single(spec.Diagnostics);
        Assert.Equal("MG0010", diagnostic.Id);
        Assert.Equal(1, diagnostic.Location!.LineSpan.Start.Line);
        Assert.Contains(reason, diagnostic.Arguments[1]);
        Assert.Single(spec.Entries);
    }

    [Fact]
    public void Equal_content_gives_equal_specs()
    {
        const string text = "a F32 [1]\nb F32 [2]\n";

        Assert.Equal(
            ManifestParser.Parse("m.manifest", "Demo.M", SourceText.From(text)),
            ManifestParser.Parse("m.manifest", "Demo.M", SourceText.From(text)));
        Assert.NotEqual(
            ManifestParser.Parse("m.manifest", "Demo.M", SourceText.From(text)),
            ManifestParser.Parse("m.manifest", "Demo.M", SourceText.From(text + "c F32 [3]\n")));
    }
}
