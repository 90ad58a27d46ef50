using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.Mapping;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Tests.Loading;

/// <summary>
/// The load follows the key policy in the model's key table, the one the build checked: missing tensors not declared
/// new are refused by default, unexpected keys refused by default, and either can be relaxed.
/// </summary>
public sealed class KeyPolicyLoadTests : IDisposable
{
    private readonly CheckpointFixture _files = new();

    public void Dispose() => _files.Dispose();

    private static LoadOptions Single() => new() { ProcessGroup = ProcessGroups.Single() };

    private static HandWrittenModel OnMeta(Action<HandWrittenModel>? declare = null)
    {
        HandWrittenModel model = MetaConstruction.Build(() => new HandWrittenModel());
        declare?.Invoke(model);
        return model;
    }

    [Fact]
    public void By_default_a_missing_tensor_fails_the_load_listing_every_missing_key()
    {
        var (path, _) = _files.Write("partial.safetensors", ScalarType.Float32, ("fc1.weight", [4, 4]));
        HandWrittenModel model = OnMeta();

        var error = Assert.Throws<CheckpointMismatchException>(() => ShardedLoader.Load(model, path, Single()));

        Assert.Equal(["fc1.bias", "scale"], error.MissingKeys);
        Assert.Contains("lacks 2 tensor(s) the model does not declare new, and MissingKeys is Refuse", error.Problems[0]);
        Assert.Contains("'fc1.bias', 'scale'", error.Message);
        Assert.Empty(model.InitCalls);
        Assert.Equal(DeviceType.META, model.fc1.weight!.device_type);
    }

    [Fact]
    public void Every_missing_key_is_in_the_message_even_beyond_the_problems_shown()
    {
        // 25 unexpected keys besides the missing ones: the message shows 20 problems, yet names every missing key.
        var entries = Enumerable.Range(0, 25).Select(i => ($"extra.{i}", new long[] { 1 })).Append(("fc1.weight", new long[] { 4, 4 })).ToArray();
        var (path, _) = _files.Write("extra.safetensors", ScalarType.Float32, entries);

        var error = Assert.Throws<CheckpointMismatchException>(() => ShardedLoader.Load(OnMeta(), path, Single()));

        Assert.Equal(26, error.Problems.Count);
        Assert.Contains("'fc1.bias', 'scale'", error.Message);
        Assert.Contains("... and 6 more", error.Message);
    }

    [Fact]
    public void A_tensor_declared_new_is_initialized_under_refuse_and_the_others_are_still_refused()
    {
        var (path, _) = _files.Write("partial.safetensors", ScalarType.Float32, ("fc1.weight", [4, 4]), ("fc1.bias", [4]));
        HandWrittenModel model = OnMeta(m => m.DeclaredNew.Add("scale"));

        LoadReport report = ShardedLoader.Load(model, path, Single());

        Assert.Equal(["scale"], report.InitializedKeys);
        Assert.Equal(new Dictionary<string, int> { ["scale"] = 1 }, model.InitCalls);

        var (fewer, _) = _files.Write("fewer.safetensors", ScalarType.Float32, ("fc1.weight", [4, 4]));
        var error = Assert.Throws<CheckpointMismatchException>(() => ShardedLoader.Load(OnMeta(m => m.DeclaredNew.Add("scale")), fewer, Single()));
        Assert.Equal(["fc1.bias"], error.MissingKeys);
    }

    [Fact]
    public void Under_initialize_every_missing_tensor_is_initialized_and_reported()
    {
        var (path, written) = _files.Write("partial.safetensors", ScalarType.Float32, ("fc1.weight", [4, 4]));
        HandWrittenModel model = OnMeta(m => m.MissingKeys = MissingKeyPolicy.Initialize);

        LoadReport report = ShardedLoader.Load(model, path, Single());

        Assert.Equal(["fc1.bias", "scale"], report.InitializedKeys.Order(StringComparer.Ordinal));
        Assert.Equal(["fc1.weight"], report.LoadedKeys);
        Assert.Equal(0, report.InitCallsOnLoaded);
        TensorAssert.Equal(written["fc1.weight"], model.fc1.weight!);
    }

    [Fact]
    public void By_default_an_unexpected_key_fails_the_load_naming_key_file_and_the_way_out()
    {
        var (path, _) = _files.Write("extra.safetensors", ScalarType.Float32, [.. CheckpointFixture.FullModel(), ("fc2.weight", [4, 4])]);

        var error = Assert.Throws<CheckpointMismatchException>(() => ShardedLoader.Load(OnMeta(), path, Single()));

        string problem = Assert.Single(error.Problems);
        Assert.Contains("'fc2.weight' (extra.safetensors)", problem);
        Assert.Contains("UnexpectedKeys is Refuse", problem);
        Assert.Empty(error.MissingKeys);
    }

    [Fact]
    public void Under_ignore_unexpected_keys_are_skipped_and_listed()
    {
        var (path, written) = _files.Write("extra.safetensors", ScalarType.Float32,
            [.. CheckpointFixture.FullModel(), ("fc2.weight", [4, 4]), ("fc2.bias", [4])]);
        HandWrittenModel model = OnMeta(m => m.UnexpectedKeys = UnexpectedKeyPolicy.Ignore);

        LoadReport report = ShardedLoader.Load(model, path, Single());

        Assert.Equal(["fc2.bias", "fc2.weight"], report.IgnoredKeys.Order(StringComparer.Ordinal));
        Assert.Equal(["fc1.bias", "fc1.weight", "scale"], report.LoadedKeys.Order(StringComparer.Ordinal));
        TensorAssert.Equal(written["scale"], model.scale);
    }

    [Fact]
    public void Ignoring_unexpected_keys_does_not_relax_missing_ones()
    {
        var (path, _) = _files.Write("both.safetensors", ScalarType.Float32, ("fc1.weight", [4, 4]), ("fc1.bias", [4]), ("fc2.weight", [4]));
        HandWrittenModel model = OnMeta(m => m.UnexpectedKeys = UnexpectedKeyPolicy.Ignore);

        var error = Assert.Throws<CheckpointMismatchException>(() => ShardedLoader.Load(model, path, Single()));

        Assert.Equal(["scale"], error.MissingKeys);
        Assert.Single(error.Problems);
    }

    [Fact]
    public void A_table_with_an_undefined_policy_value_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CheckpointKeyTable([], [], (MissingKeyPolicy)7));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CheckpointKeyTable([], [], MissingKeyPolicy.Refuse, (UnexpectedKeyPolicy)7));
    }

    [Fact]
    public void A_table_takes_every_defined_policy_value()
    {
        foreach (MissingKeyPolicy missing in Enum.GetValues<MissingKeyPolicy>())
        {
            foreach (UnexpectedKeyPolicy unexpected in Enum.GetValues<UnexpectedKeyPolicy>())
            {
                var table = new CheckpointKeyTable([], [], missing, unexpected);
                Assert.Equal((missing, unexpected), (table.MissingKeys, table.UnexpectedKeys));
            }
        }
    }

    [Fact]
    public void Declared_new_patterns_are_looked_up_by_pattern()
    {
        var table = new CheckpointKeyTable(
            [
                new KeyPattern("layers.{i}.gate", TensorKind.Parameter, "M", "fill()", declaredNew: true),
                new KeyPattern("layers.{i}.proj", TensorKind.Parameter, "M", "zeros"),
            ], []);
        Assert.True(table.IsDeclaredNew("layers.{i}.gate"));
        Assert.False(table.IsDeclaredNew("layers.{i}.proj"));
        Assert.False(table.IsDeclaredNew("layers.0.gate"));
        Assert.Equal(MissingKeyPolicy.Refuse, CheckpointKeyTable.Empty.MissingKeys);
        Assert.Equal(UnexpectedKeyPolicy.Refuse, CheckpointKeyTable.Empty.UnexpectedKeys);
    }
}
