using System.Text.Json;

namespace ModelGen.Cli.Tests;

public sealed class CheckTests : IDisposable
{
    private static readonly string Assembly = typeof(CheckTestModel).Assembly.Location;
    private const string Model = "ModelGen.Cli.Tests.CheckTestModel";

    private readonly TestCheckpoints _checkpoints = new();

    public void Dispose() => _checkpoints.Dispose();

    private CliRun Check(IEnumerable<KeyValuePair<string, TorchSharp.torch.Tensor>> tensors, params string[] extra) =>
        CliRun.Of(["check", _checkpoints.Single(tensors), "--assembly", Assembly, "--model", Model, .. extra]);

    [Fact]
    public void Clean_match_exits_zero_and_lists_tied_computed_and_ignored_keys()
    {
        CliRun run = Check(TestCheckpoints.ModelTensors(with: ["layers.0.rotary.inv_freq", "layers.1.rotary.inv_freq"]));

        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain("warning MG", run.Stdout);
        Assert.DoesNotContain("error MG", run.Stdout);
        Assert.Contains($"Model:      {Model}", run.Stdout);
        Assert.Contains("tied:     'head.weight' shares the storage of 'embed.weight'", run.Stdout);
        Assert.Contains("computed: 'frequencies' is computed by the model", run.Stdout);
        Assert.Contains("ignored:  2 checkpoint keys ('layers.0.rotary.inv_freq', 'layers.1.rotary.inv_freq')", run.Stdout);
        Assert.Contains("F32          8", run.Stdout);
        Assert.Contains("Result: clean: the build reports nothing; 6 of 8 checkpoint keys mapped, 2 ignored", run.Stdout);
    }

    [Fact]
    public void Unmapped_key_is_reported_as_MG0006_with_a_did_you_mean()
    {
        CliRun run = Check(TestCheckpoints.ModelTensors(without: ["norm.weight"], with: ["norm.wieght"]), "--json");

        Assert.Equal(1, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        JsonElement unmapped = Finding(json, "MG0006");
        Assert.Equal("norm.wieght", unmapped.GetProperty("key").GetString());
        Assert.Equal("norm.weight", unmapped.GetProperty("suggestion").GetString());
        Assert.Equal($"Checkpoint key 'norm.wieght' is not taken by any parameter or buffer of '{Model}'; the load refuses it (UnexpectedKeys is Refuse); did you mean 'norm.weight'?",
            unmapped.GetProperty("message").GetString());
        Assert.Equal("error", unmapped.GetProperty("severity").GetString());
        Assert.False(json.RootElement.GetProperty("ok").GetBoolean());
    }

    [Fact]
    public void Unmapped_list_keys_are_grouped_by_shape_and_the_suggestion_keeps_their_index()
    {
        // The checkpoint lacks the keys the typos stand for: a suggestion never names a key the checkpoint provides.
        CliRun run = Check(TestCheckpoints.ModelTensors(without: ["layers.0.proj.weight", "layers.1.proj.weight"], with: ["layers.0.prj.weight", "layers.1.prj.weight"]));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(
            $"error MG0006: Checkpoint key 'layers.0.prj.weight' (and 1 more like 'layers.{{i}}.prj.weight') is not taken by any parameter or buffer of '{Model}'; the load refuses it (UnexpectedKeys is Refuse); did you mean 'layers.0.proj.weight'?",
            run.Stdout);
        Assert.Contains("Result: 2 findings (MG0006 x1, MG0007 x1); 4 of 6 checkpoint keys mapped, 0 ignored", run.Stdout);

        CliRun beside = Check(TestCheckpoints.ModelTensors(with: ["layers.0.prj.weight", "layers.1.prj.weight"]));
        Assert.Contains($"of '{Model}'; the load refuses it (UnexpectedKeys is Refuse){Environment.NewLine}", beside.Stdout);
    }

    [Fact]
    public void Missing_parameter_is_reported_as_MG0007_with_its_initializer()
    {
        CliRun run = Check(TestCheckpoints.ModelTensors(without: ["norm.weight"]));

        Assert.Equal(1, run.ExitCode);
        Assert.Matches(@"error MG0007: 'norm\.weight' \(parameter\) is not in the checkpoint; the load refuses it \(MissingKeys is Refuse\): .* to initialize it with \S", run.Stdout);
    }

    [Fact]
    public void Missing_list_entry_and_index_gap_are_reported_as_MG0007_and_MG0009()
    {
        var tensors = TestCheckpoints.ModelTensors(without: ["layers.1.proj.weight", "layers.1.proj.bias"], with: ["layers.2.proj.weight", "layers.2.proj.bias"]);

        CliRun run = Check(tensors, "--json");

        Assert.Equal(1, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        Assert.Equal("Module list 'layers' does not match the checkpoint: the checkpoint has indices up to 2 but lacks index 1",
            Finding(json, "MG0009").GetProperty("message").GetString());
        Assert.Equal(["MG0009"], json.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("id").GetString()));
    }

    [Fact]
    public void Tied_key_present_in_the_checkpoint_is_reported_as_MG0024()
    {
        CliRun run = Check(TestCheckpoints.ModelTensors(with: ["head.weight"]));

        // The build warns (the load compares the two tensors and fails if they differ), so check does too.
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("warning MG0024: 'head.weight' is [TiedTo(\"embed.weight\")], but the checkpoint holds both 'head.weight' and 'embed.weight'", run.Stdout);
        Assert.Contains("'head.weight' shares the storage of 'embed.weight' (the checkpoint also holds a copy)", run.Stdout);
    }

    [Fact]
    public void Checks_a_committed_manifest_like_a_checkpoint()
    {
        string checkpoint = _checkpoints.Single(TestCheckpoints.ModelTensors(without: ["norm.weight"]));
        string manifest = Path.Combine(_checkpoints.Folder, "model.manifest");
        Assert.Equal(0, CliRun.Of("manifest", checkpoint, "-o", manifest).ExitCode);

        CliRun fromManifest = CliRun.Of("check", manifest, "--assembly", Assembly, "--model", "CheckTestModel", "--json");
        CliRun fromCheckpoint = CliRun.Of("check", checkpoint, "--assembly", Assembly, "--model", "CheckTestModel", "--json");

        Assert.Equal(1, fromManifest.ExitCode);
        using JsonDocument a = JsonDocument.Parse(fromManifest.Stdout), b = JsonDocument.Parse(fromCheckpoint.Stdout);
        Assert.Equal(b.RootElement.GetProperty("findings").GetRawText(), a.RootElement.GetProperty("findings").GetRawText());
    }

    [Fact]
    public void Several_models_need_a_model_option()
    {
        string checkpoint = _checkpoints.Single(TestCheckpoints.ModelTensors());

        CliRun run = CliRun.Of("check", checkpoint, "--assembly", Assembly);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("ModelAmbiguous", run.Stderr);
        Assert.Contains(Model, run.Stderr);
        Assert.Contains("ModelGen.Cli.Tests.OtherTestModel", run.Stderr);
    }

    [Fact]
    public void Unknown_model_and_missing_assembly_are_usage_errors()
    {
        string checkpoint = _checkpoints.Single(TestCheckpoints.ModelTensors());

        CliRun unknown = CliRun.Of("check", checkpoint, "--assembly", Assembly, "--model", "NoSuchModel");
        CliRun absent = CliRun.Of("check", checkpoint, "--assembly", Path.Combine(_checkpoints.Folder, "absent.dll"), "--json");
        CliRun notAssembly = CliRun.Of("check", checkpoint, "--assembly", checkpoint);

        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("ModelNotFound", unknown.Stderr);
        Assert.Equal(2, absent.ExitCode);
        using JsonDocument json = JsonDocument.Parse(absent.Stdout);
        Assert.Equal("AssemblyNotFound", json.RootElement.GetProperty("error").GetProperty("rule").GetString());
        Assert.Equal(2, notAssembly.ExitCode);
        Assert.Contains("NotAnAssembly", notAssembly.Stderr);
    }

    [Fact]
    public void An_assembly_without_models_is_a_usage_error()
    {
        string checkpoint = _checkpoints.Single(TestCheckpoints.ModelTensors());
        string noModels = typeof(System.CommandLine.RootCommand).Assembly.Location;

        CliRun run = CliRun.Of("check", checkpoint, "--assembly", noModels);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("NoShardedModel", run.Stderr);
    }

    private static JsonElement Finding(JsonDocument json, string id) =>
        Assert.Single(json.RootElement.GetProperty("findings").EnumerateArray(), f => f.GetProperty("id").GetString() == id);
}
