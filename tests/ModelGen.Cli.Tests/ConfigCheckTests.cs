using System.Text.Json;
using static TorchSharp.torch;

namespace ModelGen.Cli.Tests;

/// <summary><c>check</c> builds a model whose constructor takes a config object from the checkpoint's config.json.</summary>
public sealed class ConfigCheckTests : IDisposable
{
    private const string Model = "ModelGen.Cli.Tests.ConfigTestModel";
    private const string Pair = "ModelGen.Cli.Tests.ConfigPairTestModel";
    private static readonly string Assembly = typeof(ConfigTestModel).Assembly.Location;

    private readonly TestCheckpoints _checkpoints = new();

    public void Dispose() => _checkpoints.Dispose();

    /// <summary>The config.json text of <see cref="ConfigTestModel"/>, with a field it does not read.</summary>
    public static string Config(int hidden = 4, int intermediate = 6, int layers = 2) =>
        $$"""{ "architectures": ["ConfigTestModel"], "hidden_size": {{hidden}}, "intermediate_size": {{intermediate}}, "num_hidden_layers": {{layers}}, "rms_norm_eps": 1e-5 }""";

    /// <summary>The tensors of <see cref="ConfigTestModel"/> with the given sizes.</summary>
    public static List<KeyValuePair<string, Tensor>> Tensors(int hidden = 4, int intermediate = 6, int layers = 2)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        for (int i = 0; i < layers; i++)
        {
            tensors.Add(new($"layers.{i}.down.weight", zeros(hidden, intermediate)));
            tensors.Add(new($"layers.{i}.up.weight", zeros(intermediate, hidden)));
        }
        return tensors;
    }

    private string Checkpoint(string folder, string? config)
    {
        string checkpoint = _checkpoints.Single(Tensors(), Path.Combine(folder, "model.safetensors"));
        if (config is not null) File.WriteAllText(Path.Combine(_checkpoints.Folder, folder, "config.json"), config);
        return checkpoint;
    }

    private static (CliRun Run, JsonDocument Json) Check(params string[] extra)
    {
        CliRun run = CliRun.Of([.. extra, "--assembly", Assembly, "--model", Model, "--json"]);
        return (run, JsonDocument.Parse(run.Stdout));
    }

    [Fact]
    public void A_matching_config_beside_the_checkpoint_is_found_and_the_model_checks_clean()
    {
        string checkpoint = Checkpoint("beside", Config());
        var (run, json) = Check("check", checkpoint);
        using (json)
        {
            Assert.True(json.RootElement.GetProperty("shapesChecked").GetBoolean(), json.RootElement.GetProperty("shapesNotChecked").GetString());
            Assert.Equal(Path.Combine(_checkpoints.Folder, "beside", "config.json"), json.RootElement.GetProperty("config").GetString());
            Assert.Empty(json.RootElement.GetProperty("findings").EnumerateArray());
            Assert.Equal(0, run.ExitCode);
        }
        // A folder as PATH finds the same config.json.
        CliRun text = CliRun.Of("check", Path.GetDirectoryName(checkpoint)!, "--assembly", Assembly, "--model", Model);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("Config:     " + Path.Combine(_checkpoints.Folder, "beside", "config.json"), text.Stdout);
        Assert.DoesNotContain("shapes:   not checked", text.Stdout);
    }

    [Fact]
    public void A_config_with_another_intermediate_size_gives_MG0020()
    {
        string checkpoint = Checkpoint("wrong", Config(intermediate: 5));
        var (run, json) = Check("check", checkpoint);
        using (json)
        {
            // Worded as the build words it: the size by the config value it comes from (BuildParityTests compares with the generator).
            var findings = json.RootElement.GetProperty("findings").EnumerateArray()
                .Select(f => f.GetProperty("severity").GetString() + " " + f.GetProperty("id").GetString() + ": " + f.GetProperty("message").GetString()).ToList();
            Assert.Equal(
            [
                "error MG0020: Checkpoint key 'layers.0.down.weight' has shape [4, 6], but the model creates [config.HiddenSize = 4, config.IntermediateSize = 5] (and 1 more keys like 'layers.{i}.down.weight'); dimension 1 is config.IntermediateSize = 5 ('config.IntermediateSize' from config.json 'intermediate_size'), the checkpoint's 6",
                "error MG0020: Checkpoint key 'layers.0.up.weight' has shape [6, 4], but the model creates [config.IntermediateSize = 5, config.HiddenSize = 4] (and 1 more keys like 'layers.{i}.up.weight'); dimension 0 is config.IntermediateSize = 5 ('config.IntermediateSize' from config.json 'intermediate_size'), the checkpoint's 6",
            ], findings);
            // The position the build reports it at: the argument of ConfigTestBlock's Linear that takes the size.
            Assert.All(json.RootElement.GetProperty("findings").EnumerateArray(), f => Assert.StartsWith("ConfigTestModel.cs(", f.GetProperty("location").GetString()));
            Assert.Equal(1, run.ExitCode);
        }
    }

    [Fact]
    public void An_explicit_config_is_used_instead_of_the_one_beside_the_checkpoint()
    {
        // The config beside the checkpoint is wrong; the explicit one matches.
        string checkpoint = Checkpoint("explicit", Config(intermediate: 5));
        string other = Path.Combine(_checkpoints.Folder, "settings.json");
        File.WriteAllText(other, Config());
        var (run, json) = Check("check", checkpoint, "--config", other);
        using (json)
        {
            Assert.Equal(other, json.RootElement.GetProperty("config").GetString());
            Assert.True(json.RootElement.GetProperty("shapesChecked").GetBoolean());
            Assert.Empty(json.RootElement.GetProperty("findings").EnumerateArray());
            Assert.Equal(0, run.ExitCode);
        }
    }

    [Fact]
    public void Without_a_config_the_shapes_are_not_checked_and_the_looked_for_file_is_named()
    {
        string checkpoint = Checkpoint("none", null);
        var (run, json) = Check("check", checkpoint);
        using (json)
        {
            Assert.False(json.RootElement.GetProperty("shapesChecked").GetBoolean());
            Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("config").ValueKind);
            string reason = json.RootElement.GetProperty("shapesNotChecked").GetString()!;
            Assert.Contains("no config.json at " + Path.Combine(_checkpoints.Folder, "none", "config.json"), reason);
            Assert.Contains("--config", reason);
            Assert.Equal(0, run.ExitCode);
        }
    }

    [Fact]
    public void An_explicit_config_that_does_not_exist_is_a_usage_error()
    {
        string checkpoint = Checkpoint("absent", Config());
        string missing = Path.Combine(_checkpoints.Folder, "nowhere.json");
        CliRun run = CliRun.Of("check", checkpoint, "--assembly", Assembly, "--model", Model, "--config", missing);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("error: ConfigNotFound", run.Stderr);
        Assert.Contains("file: " + missing, run.Stderr);
    }

    /// <summary>Configs the build reads (valid JSON objects) but the model's config class cannot be filled from.</summary>
    public static TheoryData<string, string, string> UnbindableConfigs() => new()
    {
        { "wrong type", """{ "hidden_size": "four", "intermediate_size": 6, "num_hidden_layers": 2 }""", "$.hidden_size" },
        { "missing field", """{ "hidden_size": 4, "num_hidden_layers": 2 }""", "intermediate_size" },
    };

    [Theory]
    [MemberData(nameof(UnbindableConfigs))]
    public void An_unreadable_config_names_the_file_the_property_and_the_reason(string scenario, string config, string expected)
    {
        string checkpoint = Checkpoint(scenario.Replace(' ', '-'), config);
        string file = Path.Combine(_checkpoints.Folder, scenario.Replace(' ', '-'), "config.json");
        CliRun run = CliRun.Of("check", checkpoint, "--assembly", Assembly, "--model", Model);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("error: ConfigInvalid", run.Stderr);
        Assert.Contains("file: " + file, run.Stderr);
        Assert.Contains(expected, run.Stderr);
        Assert.Contains("ConfigInvalid: the file ", run.Stderr);

        var (json, doc) = Check("check", checkpoint);
        using (doc)
        {
            Assert.Equal(1, json.ExitCode);
            JsonElement error = doc.RootElement.GetProperty("error");
            Assert.Equal("ConfigInvalid", error.GetProperty("rule").GetString());
            Assert.Equal(file, error.GetProperty("file").GetString());
        }
    }

    /// <summary>Configs that are not a JSON object: the build's MG0027 (BuildParityTests compares its message with the generator's).</summary>
    public static TheoryData<string, string> InvalidConfigs() => new()
    {
        { "not json", """{ "hidden_size": 4, """ },
        { "null", "null" },
    };

    [Theory]
    [MemberData(nameof(InvalidConfigs))]
    public void A_config_that_is_not_a_json_object_is_the_builds_MG0027(string scenario, string config)
    {
        string checkpoint = Checkpoint(scenario.Replace(' ', '-'), config);
        string file = Path.Combine(_checkpoints.Folder, scenario.Replace(' ', '-'), "config.json");
        var (run, json) = Check("check", checkpoint);
        using (json)
        {
            JsonElement finding = Assert.Single(json.RootElement.GetProperty("findings").EnumerateArray());
            Assert.Equal("MG0027", finding.GetProperty("id").GetString());
            Assert.Equal("error", finding.GetProperty("severity").GetString());
            string message = finding.GetProperty("message").GetString()!;
            Assert.StartsWith($"Model config '{file}' is invalid: ", message);
            Assert.Equal(1, run.ExitCode);
        }
    }

    [Fact]
    public void A_constructor_with_several_parameters_stays_not_checked_with_the_reason()
    {
        string checkpoint = _checkpoints.Single([new("only.weight", zeros(5, 4))], Path.Combine("pair", "model.safetensors"));
        File.WriteAllText(Path.Combine(_checkpoints.Folder, "pair", "config.json"), Config());
        CliRun run = CliRun.Of("check", checkpoint, "--assembly", Assembly, "--model", Pair, "--json");
        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        Assert.False(json.RootElement.GetProperty("shapesChecked").GetBoolean());
        Assert.Contains("no public constructor taking a single config object (optionally followed by its ScalarType) (its constructors take (ConfigTestConfig, Int32))",
            json.RootElement.GetProperty("shapesNotChecked").GetString());
        Assert.Equal(0, run.ExitCode);
    }
}
