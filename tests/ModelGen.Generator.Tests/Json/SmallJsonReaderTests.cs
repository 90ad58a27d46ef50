using ModelGen.Json;

namespace ModelGen.Generator.Tests.Json;

/// <summary>
/// The JSON reader the generator, the build tasks and the modelgen command share (the generator's netstandard2.0
/// copy is the one tested here): grammar, escapes, numbers, nesting limit, duplicate keys, errors and offsets.
/// </summary>
public sealed class SmallJsonReaderTests
{
    private static SmallJsonException Rejects(string text, SmallJsonRules rules = SmallJsonRules.None) =>
        Assert.Throws<SmallJsonException>(() => SmallJsonReader.Parse(text, rules));

    private static string StringOf(string json) => Assert.Single(SmallJsonReader.Parse("[" + json + "]").Items).Text;

    [Theory]
    [InlineData(@"""plain""", "plain")]
    [InlineData(@"""\"" \\ \/ \b \f \n \r \t""", "\" \\ / \b \f \n \r \t")]
    [InlineData(@"""\u00e9\u00C9""", "éÉ")]
    [InlineData(@"""caf\u00e9 au lait""", "café au lait")]
    [InlineData(@"""\u0000""", "\0")]
    [InlineData(@"""é unescaped ☃""", "é unescaped ☃")]
    [InlineData(@"""""", "")]
    public void Strings_are_decoded(string json, string expected)
    {
        Assert.Equal(expected, StringOf(json));
    }

    [Fact]
    public void A_surrogate_pair_of_two_u_escapes_is_one_code_point()
    {
        string decoded = StringOf(@"""a\ud83d\ude00b""");

        Assert.Equal("a\U0001F600b", decoded);
        Assert.Equal(0x1F600, char.ConvertToUtf32(decoded, 1));
        Assert.Equal(StringOf("\"a\U0001F600b\""), decoded);
    }

    [Fact]
    public void A_lone_surrogate_escape_is_kept_as_written()
    {
        Assert.Equal("\ud83d", StringOf(@"""\ud83d"""));
    }

    [Theory]
    [InlineData(@"[""\q""]", "invalid escape '\\q'", 3)]
    [InlineData(@"[""\u12G4""]", "invalid \\u escape", 4)]
    [InlineData(@"[""\u 123""]", "invalid \\u escape", 4)]
    [InlineData(@"[""\u12""]", "invalid \\u escape", 4)]
    [InlineData("[\"a\tb\"]", "control character in a string", 3)]
    [InlineData("[\"a\nb\"]", "control character in a string", 3)]
    [InlineData(@"[""abc", "unterminated string", 5)]
    [InlineData(@"[""abc\", "unterminated string", 6)]
    public void Invalid_strings_are_rejected_at_the_offending_character(string json, string message, int offset)
    {
        SmallJsonException e = Rejects(json);

        Assert.Equal(message, e.Message);
        Assert.Equal(offset, e.Offset);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("7")]
    [InlineData("-12")]
    [InlineData("3.25")]
    [InlineData("-0.5")]
    [InlineData("1e9")]
    [InlineData("1E+9")]
    [InlineData("2.5e-3")]
    [InlineData("-1.0E-10")]
    [InlineData("123456789012345678901234567890")]
    [InlineData("-9223372036854775809")]
    [InlineData("1.7976931348623157e309")]
    public void Numbers_are_kept_exactly_as_written(string number)
    {
        SmallJsonValue value = SmallJsonReader.Parse(" " + number + " ");

        Assert.Equal(SmallJsonKind.Number, value.Kind);
        Assert.Equal(number, value.Text);
        Assert.Equal(1, value.Start);
        Assert.Equal(number.Length, value.Length);
    }

    [Theory]
    [InlineData("01", "unexpected text after the JSON value", 1)]
    [InlineData("-01", "unexpected text after the JSON value", 2)]
    [InlineData("1.", "expected digits after '.'", 2)]
    [InlineData("1.e5", "expected digits after '.'", 2)]
    [InlineData("-.5", "expected a digit after '-'", 1)]
    [InlineData("-", "unexpected end of the JSON text", 1)]
    [InlineData("1e", "expected digits in the exponent", 2)]
    [InlineData("1e+", "expected digits in the exponent", 3)]
    [InlineData("+1", "unexpected character '+'", 0)]
    [InlineData(".5", "unexpected character '.'", 0)]
    [InlineData("NaN", "unexpected character 'N'", 0)]
    [InlineData("0x10", "unexpected text after the JSON value", 1)]
    public void Numbers_outside_the_standard_grammar_are_rejected(string json, string message, int offset)
    {
        SmallJsonException e = Rejects(json);

        Assert.Equal(message, e.Message);
        Assert.Equal(offset, e.Offset);
    }

    [Fact]
    public void Literals_objects_and_arrays_are_read_with_their_kinds()
    {
        SmallJsonValue root = SmallJsonReader.Parse("{\"t\": true, \"f\": false, \"n\": null, \"a\": [1, \"x\", []], \"o\": {}}");

        Assert.Equal(SmallJsonKind.Object, root.Kind);
        Assert.Equal(new[] { "t", "f", "n", "a", "o" }, root.Members.Select(m => m.Name));
        Assert.Equal((SmallJsonKind.True, "true"), (root.Find("t")!.Kind, root.Find("t")!.Text));
        Assert.Equal((SmallJsonKind.False, "false"), (root.Find("f")!.Kind, root.Find("f")!.Text));
        Assert.Equal((SmallJsonKind.Null, "null"), (root.Find("n")!.Kind, root.Find("n")!.Text));
        Assert.Equal(new[] { SmallJsonKind.Number, SmallJsonKind.String, SmallJsonKind.Array }, root.Find("a")!.Items.Select(i => i.Kind));
        Assert.Empty(root.Find("o")!.Members);
        Assert.Null(root.Find("missing"));
        Assert.Null(root.Find("a")!.Find("x"));
    }

    [Theory]
    [InlineData("tru", "unexpected character, expected 'true'", 0)]
    [InlineData("[nul]", "unexpected character, expected 'null'", 1)]
    [InlineData("[falsy]", "unexpected character, expected 'false'", 1)]
    [InlineData("True", "unexpected character 'T'", 0)]
    public void Misspelled_literals_are_rejected_where_they_start(string json, string message, int offset)
    {
        SmallJsonException e = Rejects(json);

        Assert.Equal(message, e.Message);
        Assert.Equal(offset, e.Offset);
    }

    [Fact]
    public void Every_value_knows_where_it_is_written()
    {
        const string Text = "{\n  \"name\": \"a\\nb\",\n  \"list\": [1, {\"deep\": true}],\n  \"n\": -2.5e3 , \"z\":null}";
        SmallJsonValue root = SmallJsonReader.Parse(Text);

        string Written(SmallJsonValue v) => Text.Substring(v.Start, v.Length);
        SmallJsonValue list = root.Find("list")!;
        Assert.Equal(Text, Written(root));
        Assert.Equal("\"a\\nb\"", Written(root.Find("name")!));
        Assert.Equal("[1, {\"deep\": true}]", Written(list));
        Assert.Equal("1", Written(list.Items[0]));
        Assert.Equal("{\"deep\": true}", Written(list.Items[1]));
        Assert.Equal("true", Written(list.Items[1].Find("deep")!));
        Assert.Equal("-2.5e3", Written(root.Find("n")!));
        Assert.Equal("null", Written(root.Find("z")!));
        Assert.Equal(new[] { 4, 22, 53, 67 }, root.Members.Select(m => m.NameStart));
        Assert.All(root.Members, m => Assert.Equal('"' + m.Name + '"', Text.Substring(m.NameStart, m.Name.Length + 2)));
    }

    [Fact]
    public void Duplicate_keys_are_kept_in_order_unless_rejected()
    {
        const string Text = "{\"a\": 1, \"b\": {\"c\": 2, \"c\": 3}, \"a\": 4}";

        SmallJsonValue kept = SmallJsonReader.Parse(Text);
        SmallJsonException inner = Rejects(Text, SmallJsonRules.RejectDuplicateKeys);
        SmallJsonException outer = Rejects("{\"a\": 1, \"a\": 2}", SmallJsonRules.RejectDuplicateKeys);

        Assert.Equal(new[] { "a", "b", "a" }, kept.Members.Select(m => m.Name));
        Assert.Equal("1", kept.Find("a")!.Text);
        Assert.Equal(new[] { "2", "3" }, kept.Find("b")!.Members.Select(m => m.Value.Text));
        Assert.Equal("duplicate key 'c'", inner.Message);
        Assert.Equal(Text.IndexOf("\"c\": 3", StringComparison.Ordinal), inner.Offset);
        Assert.Equal("duplicate key 'a'", outer.Message);
        Assert.Equal(9, outer.Offset);
    }

    [Fact]
    public void Keys_are_duplicates_only_within_one_object_and_in_the_same_letter_case()
    {
        SmallJsonValue nested = SmallJsonReader.Parse("{\"a\": {\"a\": 1}, \"b\": [{\"k\": 1}, {\"k\": 2}]}", SmallJsonRules.RejectDuplicateKeys);
        SmallJsonValue cased = SmallJsonReader.Parse("{\"a\": 1, \"A\": 2}", SmallJsonRules.RejectDuplicateKeys);

        Assert.Equal("1", nested.Find("a")!.Find("a")!.Text);
        Assert.Equal(new[] { "1", "2" }, nested.Find("b")!.Items.Select(i => i.Find("k")!.Text));
        Assert.Equal(new[] { "1", "2" }, new[] { cased.Find("a")!.Text, cased.Find("A")!.Text });
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_rejected()
    {
        static string Arrays(int levels) => new string('[', levels) + new string(']', levels);
        static string Objects(int levels) =>
            string.Concat(Enumerable.Repeat("{\"k\":", levels)) + "1" + new string('}', levels);

        // The root is level 0: containers down to level MaxDepth are read, a value below them is not.
        Assert.Equal(SmallJsonKind.Array, SmallJsonReader.Parse(Arrays(SmallJsonReader.MaxDepth + 1)).Kind);
        Assert.Equal(SmallJsonKind.Object, SmallJsonReader.Parse(Objects(SmallJsonReader.MaxDepth)).Kind);
        SmallJsonException arrays = Rejects(Arrays(SmallJsonReader.MaxDepth + 2));
        SmallJsonException objects = Rejects(Objects(SmallJsonReader.MaxDepth + 1));
        SmallJsonException huge = Rejects(Arrays(100_000));

        Assert.Equal("nesting is too deep", arrays.Message);
        Assert.Equal(SmallJsonReader.MaxDepth + 1, arrays.Offset);
        Assert.Equal("nesting is too deep", objects.Message);
        Assert.Equal(5 * (SmallJsonReader.MaxDepth + 1), objects.Offset);
        Assert.Equal("nesting is too deep", huge.Message);
    }

    [Fact]
    public void Every_truncation_of_a_document_is_rejected_within_the_text()
    {
        const string Text = "{\"name\": \"x\\u00e9\\\"\", \"n\": [1, -2.5e+3, true, false, null, {\"k\": []}], \"o\": {\"p\": 0}}";
        Assert.Equal(SmallJsonKind.Object, SmallJsonReader.Parse(Text).Kind);

        for (int length = 0; length < Text.Length; length++)
        {
            string prefix = Text.Substring(0, length);
            SmallJsonException e = Rejects(prefix);
            Assert.InRange(e.Offset, 0, length);
        }
    }

    [Theory]
    [InlineData("", "unexpected end of the JSON text", 0)]
    [InlineData("  ", "unexpected end of the JSON text", 2)]
    [InlineData("{\"a\":", "unexpected end of the JSON text", 5)]
    [InlineData("{\"a\": 1", "expected ',' or '}' in an object", 7)]
    [InlineData("{\"a\" 1}", "expected ':' after property name 'a'", 5)]
    [InlineData("{\"a\": 1,}", "expected a property name in double quotes", 8)]
    [InlineData("{a: 1}", "expected a property name in double quotes", 1)]
    [InlineData("{\"a\": 1 \"b\": 2}", "expected ',' or '}' in an object", 8)]
    [InlineData("[1 2]", "expected ',' or ']' in an array", 3)]
    [InlineData("[1,]", "unexpected character ']'", 3)]
    [InlineData("[", "unexpected end of the JSON text", 1)]
    [InlineData("{} x", "unexpected text after the JSON value", 3)]
    [InlineData("{}{}", "unexpected text after the JSON value", 2)]
    [InlineData("\u00a0{}", "unexpected character '\u00a0'", 0)]
    [InlineData("\f{}", "unexpected character '\f'", 0)]
    public void Syntax_errors_name_what_is_wrong_and_where(string json, string message, int offset)
    {
        SmallJsonException e = Rejects(json);

        Assert.Equal(message, e.Message);
        Assert.Equal(offset, e.Offset);
    }

    [Fact]
    public void Space_tab_cr_and_lf_separate_tokens()
    {
        SmallJsonValue root = SmallJsonReader.Parse(" \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n[ 1 \t\r\n, 2 ] \r\n} \t\r\n");

        Assert.Equal(new[] { "1", "2" }, root.Find("a")!.Items.Select(i => i.Text));
        Assert.Equal(4, root.Start);
    }

    [Theory]
    [InlineData("[1]", 0)]
    [InlineData("  \"s\"", 2)]
    [InlineData("", 0)]
    [InlineData("\n7", 1)]
    public void An_object_root_can_be_required(string json, int offset)
    {
        SmallJsonException e = Rejects(json, SmallJsonRules.ObjectRoot);

        Assert.Equal("expected a JSON object", e.Message);
        Assert.Equal(offset, e.Offset);
        Assert.Equal(SmallJsonKind.Object, SmallJsonReader.Parse(" {} ", SmallJsonRules.ObjectRoot).Kind);
    }

    [Fact]
    public void Any_value_may_be_the_root_by_default()
    {
        Assert.Equal(SmallJsonKind.String, SmallJsonReader.Parse("\"s\"").Kind);
        Assert.Equal(SmallJsonKind.Null, SmallJsonReader.Parse(" null ").Kind);
        Assert.Equal(new[] { "1", "2" }, SmallJsonReader.Parse("[1,2]").Items.Select(i => i.Text));
    }
}
