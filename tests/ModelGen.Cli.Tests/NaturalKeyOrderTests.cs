using ModelGen.Cli.Output;

namespace ModelGen.Cli.Tests;

public sealed class NaturalKeyOrderTests
{
    [Theory]
    [InlineData("layers.2", "layers.10")]
    [InlineData("layers.9.mlp", "layers.10.attn")]
    [InlineData("model.layers.2.x", "model.layers.10.x")]
    [InlineData("a.99999999999999999999999", "a.100000000000000000000000")] // beyond any integer type
    [InlineData("layers.2", "layers.2.bias")] // a key before its extensions
    [InlineData("layers.10", "layers.x")] // a number before text, as digits are in ordinal order
    [InlineData("layers.01", "layers.1")] // equal values: ordinal order decides
    [InlineData("layer10", "layer2")] // digits inside a segment are text
    [InlineData("", "a")]
    public void First_sorts_before_second(string first, string second)
    {
        Assert.True(NaturalKeyOrder.Instance.Compare(first, second) < 0, $"'{first}' should sort before '{second}'");
        Assert.True(NaturalKeyOrder.Instance.Compare(second, first) > 0, $"'{second}' should sort after '{first}'");
    }

    [Theory]
    [InlineData("layers.10.w")]
    [InlineData("")]
    public void A_key_equals_itself(string key) => Assert.Equal(0, NaturalKeyOrder.Instance.Compare(key, new string(key)));

    [Fact]
    public void Sorting_a_shuffled_list_gives_the_reading_order()
    {
        string[] expected = ["embed.weight", "layers.0.b", "layers.0.w", "layers.1.w", "layers.2.w", "layers.10.w", "layers.20.w", "layers.100.w", "norm.weight"];
        string[] shuffled = expected.Reverse().Skip(3).Concat(expected.Reverse().Take(3)).ToArray();

        Assert.Equal(expected, shuffled.Order(NaturalKeyOrder.Instance));
    }
}
