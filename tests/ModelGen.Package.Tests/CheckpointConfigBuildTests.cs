using ModelGen.Package.Tests.Infrastructure;

namespace ModelGen.Package.Tests;

/// <summary>
/// The config.json of a ModelGenCheckpoint item reaches the compiler as an AdditionalFile with ModelGenModel and
/// ModelGenKind=config metadata: the file its Config metadata names, else a config.json beside the checkpoint. A
/// Config naming a missing file fails the build with MG0010.
/// </summary>
[Collection(PackedModelGenCollection.Name)]
public sealed class CheckpointConfigBuildTests(PackedModelGen package) : IDisposable
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(3);

    private const string Manifest = "a.weight F32 [2]\n";

    private readonly UserProject _project = new(package);

    public void Dispose() => _project.Dispose();

    /// <summary>
    /// Builds up to the file that hands AdditionalFiles metadata to the compiler (restore, the checkpoint targets,
    /// the editorconfig), which is everything the build step contributes.
    /// </summary>
    private ProcessResult BuildCompilerInputs() =>
        ChildProcess.Build(_project.Directory, BuildTimeout, "-t:GenerateMSBuildEditorConfigFile");

    [Fact]
    public void The_named_config_and_the_config_beside_a_checkpoint_become_config_additional_files()
    {
        // Beside: weights/config.json for Demo.Beside. Named: settings/named.json for Demo.Named, although a
        // config.json lies beside that checkpoint too. None: bare/ has no config.json.
        _project.WriteFile(Manifest, "weights", "beside.manifest");
        _project.WriteFile("{\"hidden_size\": 2}\n", "weights", "config.json");
        _project.WriteFile(Manifest, "named.manifest");
        _project.WriteFile("{\"hidden_size\": 4}\n", "config.json");
        _project.WriteFile("{\"hidden_size\": 8}\n", "settings", "named.json");
        _project.WriteFile(Manifest, "bare", "none.manifest");
        _project.WriteProjectFileWithItems(
            """<ModelGenCheckpoint Include="weights/beside.manifest" Model="Demo.Beside" />""",
            """<ModelGenCheckpoint Include="named.manifest" Model="Demo.Named" Config="settings/named.json" />""",
            """<ModelGenCheckpoint Include="bare/none.manifest" Model="Demo.None" />""");

        ProcessResult build = BuildCompilerInputs();

        Assert.True(build.ExitCode == 0, build.Output);
        GeneratedEditorConfig compilerInputs = _project.GeneratedEditorConfig();
        Assert.Equal(
            [_project.PathOf("bare", "none.manifest"), _project.PathOf("named.manifest"), _project.PathOf("settings", "named.json"),
             _project.PathOf("weights", "beside.manifest"), _project.PathOf("weights", "config.json")],
            compilerInputs.FilesWith("ModelGenModel").Order(StringComparer.Ordinal));
        Assert.Equal(Metadata("Demo.Beside", "config"), compilerInputs.MetadataOf(_project.PathOf("weights", "config.json")));
        Assert.Equal(Metadata("Demo.Named", "config"), compilerInputs.MetadataOf(_project.PathOf("settings", "named.json")));
        Assert.Equal(Metadata("Demo.Beside", "manifest"), compilerInputs.MetadataOf(_project.PathOf("weights", "beside.manifest")));
        Assert.Equal(Metadata("Demo.Named", "manifest"), compilerInputs.MetadataOf(_project.PathOf("named.manifest")));
        Assert.Equal(Metadata("Demo.None", "manifest"), compilerInputs.MetadataOf(_project.PathOf("bare", "none.manifest")));
    }

    [Fact]
    public void A_config_beside_a_checkpoint_file_comes_with_the_manifest_written_from_its_header()
    {
        Directory.CreateDirectory(_project.PathOf("weights"));
        SafetensorsF32File.Write(_project.PathOf("weights", "model.safetensors"), ("a.weight", [2], new float[2]));
        _project.WriteFile("{\"hidden_size\": 2}\n", "weights", "config.json");
        _project.WriteProjectFile("weights/model.safetensors", "Demo.Tiny");

        ProcessResult build = BuildCompilerInputs();

        Assert.True(build.ExitCode == 0, build.Output);
        GeneratedEditorConfig compilerInputs = _project.GeneratedEditorConfig();
        Assert.Equal(Metadata("Demo.Tiny", "config"), compilerInputs.MetadataOf(_project.PathOf("weights", "config.json")));
        Assert.Equal(Metadata("Demo.Tiny", "manifest"), compilerInputs.MetadataOf(_project.BuildManifestPath("model.safetensors")));
    }

    [Fact]
    public void A_config_naming_a_missing_file_is_error_MG0010_naming_the_item_and_the_file()
    {
        _project.WriteFile(Manifest, "checkpoint.manifest");
        // A config.json beside the checkpoint does not stand in for the one the item names.
        _project.WriteFile("{}\n", "config.json");
        _project.WriteProjectFileWithItems("""<ModelGenCheckpoint Include="checkpoint.manifest" Model="Demo.Tiny" Config="settings/config.json" />""");

        ProcessResult build = ChildProcess.Build(_project.Directory, BuildTimeout);

        Assert.True(build.ExitCode != 0, build.Output);
        Assert.Contains(
            $"checkpoint.manifest : error MG0010: ModelGenCheckpoint 'checkpoint.manifest' names Config 'settings/config.json', which does not exist ({_project.PathOf("settings", "config.json")})",
            build.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_item_without_Model_is_one_MG0010_although_a_config_lies_beside_it()
    {
        _project.WriteFile(Manifest, "checkpoint.manifest");
        _project.WriteFile("{}\n", "config.json");
        _project.WriteProjectFileWithItems("""<ModelGenCheckpoint Include="checkpoint.manifest" />""");

        ProcessResult build = ChildProcess.Build(_project.Directory, BuildTimeout);

        Assert.True(build.ExitCode != 0, build.Output);
        const string Error = "checkpoint.manifest : error MG0010: ModelGenCheckpoint 'checkpoint.manifest' needs a Model attribute naming the [ShardedModel] class (namespace and name)";
        // Reported once as the build goes (MSBuild repeats every error after "Build FAILED.").
        string asItGoes = build.Output[..build.Output.IndexOf("Build FAILED.", StringComparison.Ordinal)];
        Assert.Single(asItGoes.Split('\n'), l => l.Contains(Error, StringComparison.Ordinal));
    }

    private static Dictionary<string, string> Metadata(string model, string kind) => new() { ["ModelGenModel"] = model, ["ModelGenKind"] = kind };
}
