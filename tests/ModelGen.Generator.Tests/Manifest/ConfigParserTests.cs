using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator.Manifest;

namespace ModelGen.Generator.Tests.Manifest;

/// <summary>config.json read through the shared JSON reader: what is kept, by which path, and where it is written.</summary>
public sealed class ConfigParserTests
{
    private static ConfigSpec Parse(string json) => ConfigParser.Parse("c.json", "Demo.M", SourceText.From(json));

    [Fact]
    public void A_key_written_twice_is_kept_twice_and_the_first_is_found()
    {
        ConfigSpec spec = Parse("{\"hidden_size\": 8,\n \"hidden_size\": 16}");

        Assert.Empty(spec.Diagnostics);
        Assert.Equal(new[] { 8L, 16L }, spec.Values.Select(v => v.Integer!.Value));
        Assert.Equal(8, spec.Find("hidden_size")!.Integer);
        Assert.Equal(1, spec.Values[1].Line);
    }

    [Fact]
    public void Scalars_are_kept_by_dotted_path_with_their_kinds_and_arrays_are_skipped()
    {
        ConfigSpec spec = Parse("""
            {"a": {"b": {"c": -3}}, "big": 123456789012345678901234567890, "exp": 1e3, "t": true, "f": false,
             "n": null, "s": "x\u00e9\ud83d\ude00", "list": [1, {"inner": 2}], "": {"x": 5}}
            """);

        Assert.Empty(spec.Diagnostics);
        Assert.Equal(new[] { "a.b.c", "big", "exp", "t", "f", "n", "s", "x" }, spec.Values.Select(v => v.Path));
        Assert.Equal(-3, spec.Find("a.b.c")!.Integer);
        Assert.Equal("123456789012345678901234567890", spec.Find("big")!.Text);
        Assert.Null(spec.Find("big")!.Integer);
        Assert.Equal("1e3", spec.Find("exp")!.Text);
        Assert.Null(spec.Find("exp")!.Integer);
        Assert.Equal((true, "true"), (spec.Find("t")!.Boolean!.Value, spec.Find("t")!.Text));
        Assert.Equal((false, "false"), (spec.Find("f")!.Boolean!.Value, spec.Find("f")!.Text));
        Assert.Equal(("null", null, null), (spec.Find("n")!.Text, spec.Find("n")!.Integer, spec.Find("n")!.Boolean));
        Assert.Equal("x\u00e9\U0001F600", spec.Find("s")!.Text);
        Assert.Null(spec.Find("list"));
        Assert.Null(spec.Find("list.inner"));
        Assert.Equal(5, spec.Find("x")!.Integer);
    }

    [Fact]
    public void A_value_is_located_at_its_own_text_including_a_string_quotes()
    {
        const string Json = "{\n  \"rope\": {\n    \"type\":  \"linear\"\n  }\n}";
        ConfigValue value = Parse(Json).Find("rope.type")!;

        Assert.Equal("\"linear\"", Json.Substring(value.Start, value.Length));
        Assert.Equal((2, 13), (value.Line, value.Column));
        Assert.Equal(new LinePositionSpan(new LinePosition(2, 13), new LinePosition(2, 21)), value.Location("c.json").LineSpan);
    }

    [Theory]
    [InlineData("{\n  \"a\": {\n    \"b\": [1,\n      2 3]\n  }\n}", 3, "expected ',' or ']' in an array", 32)]
    [InlineData("{\"a\": \"x\\u12\"}", 0, "invalid \\u escape", 10)]
    [InlineData("{\"a\": {\"b\": ", 0, "unexpected end of the JSON text", 12)]
    public void An_error_is_reported_at_its_line_and_character(string json, int line, string reason, int offset)
    {
        ConfigSpec spec = Parse(json);

        var d = Assert.Single(spec.Diagnostics);
        Assert.Equal($"line {line + 1}: {reason}", d.Arguments[1]);
        Assert.Equal(offset, d.Location!.Span.Start);
        Assert.Equal(line, d.Location!.LineSpan.Start.Line);
        Assert.Empty(spec.Values);
    }
}
