using ModelGen.Mapping;

namespace ModelGen.Generator.Tests.Runtime;

/// <summary>Run-time and build-time glob matching agree and follow the documented rules.</summary>
public sealed class KeyGlobTests
{
    [Theory]
    [InlineData("model.layers.*.self_attn.rotary_emb.inv_freq", "model.layers.12.self_attn.rotary_emb.inv_freq", true)]
    [InlineData("model.layers.*.self_attn.rotary_emb.inv_freq", "model.layers.1.2.self_attn.rotary_emb.inv_freq", false)]
    [InlineData("**.weight_scale", "model.layers.3.mlp.down_proj.weight_scale", true)]
    [InlineData("**.weight_scale", "weight_scale", false)]
    [InlineData("**weight_scale", "weight_scale", true)]
    [InlineData("lm_head.*", "lm_head.weight", true)]
    [InlineData("lm_head.*", "lm_head.weight.extra", false)]
    [InlineData("a.?", "a.b", true)]
    [InlineData("a?b", "a.b", false)]
    [InlineData("exact.key", "exact.key", true)]
    [InlineData("exact.key", "exact.keys", false)]
    [InlineData("*", "", true)]
    [InlineData("", "x", false)]
    public void Matches_as_documented(string glob, string key, bool expected)
    {
        Assert.Equal(expected, KeyGlob.IsMatch(glob, key));
        Assert.Equal(expected, ModelGen.Generator.Mapping.KeyGlob.IsMatch(glob, key));
    }

    [Fact]
    public void Rejects_null()
    {
        Assert.Throws<ArgumentNullException>(() => KeyGlob.IsMatch(null!, "a"));
        Assert.Throws<ArgumentNullException>(() => KeyGlob.IsMatch("a", null!));
    }

    [Fact]
    public void Empty_table_ignores_nothing()
    {
        Assert.False(CheckpointKeyTable.Empty.IsIgnored("anything"));
        Assert.Empty(CheckpointKeyTable.Empty.Patterns);
    }
}

/// <summary>Implementations written by hand keep compiling and report an empty key table.</summary>
public sealed class ShardedModelContractTests
{
    private sealed class HandWritten : IShardedModel
    {
        public IReadOnlyList<TensorSlot> GetTensorSlots() => [];

        public void ComputeBuffers(TorchSharp.torch.Device device)
        {
        }
    }

    [Fact]
    public void Key_table_defaults_to_empty()
    {
        IShardedModel model = new HandWritten();

        Assert.Same(CheckpointKeyTable.Empty, model.KeyTable);
    }

    [Fact]
    public void Key_pattern_and_slot_describe_themselves()
    {
        var pattern = new KeyPattern("a.{i}.weight", TensorKind.Parameter, "TorchSharp.Modules.Linear", "ones");

        Assert.Equal("a.{i}.weight (Parameter)", pattern.ToString());
        Assert.False(pattern.Optional);
        Assert.Null(pattern.TiedTo);
        Assert.False(pattern.Computed);
    }
}

/// <summary>
/// The generator (netstandard2.0, no reference to the runtime) and the runtime each carry the glob matcher; the
/// build's ignore decisions must equal the loader's, so both are run over the same random globs and keys.
/// </summary>
public class KeyGlobParityTests
{
    private const string GlobAlphabet = "ab.*?";
    private const string KeyAlphabet = "ab.";

    [Fact]
    public void BuildTimeAndRunTimeMatchersAgreeOnRandomGlobsAndKeys()
    {
        var random = new Random(20261125);
        int matches = 0;
        for (int i = 0; i < 20_000; i++)
        {
            string glob = Word(random, GlobAlphabet, 7);
            string key = Word(random, KeyAlphabet, 9);
            bool atRunTime = ModelGen.Mapping.KeyGlob.IsMatch(glob, key);
            Assert.True(atRunTime == ModelGen.Generator.Mapping.KeyGlob.IsMatch(glob, key), $"glob '{glob}', key '{key}'");
            if (atRunTime) matches++;
        }
        // Both outcomes occur often enough for the comparison to mean something.
        Assert.InRange(matches, 500, 19_500);
    }

    private static string Word(Random random, string alphabet, int maxLength)
    {
        var chars = new char[random.Next(0, maxLength + 1)];
        for (int i = 0; i < chars.Length; i++) chars[i] = alphabet[random.Next(alphabet.Length)];
        return new string(chars);
    }
}
