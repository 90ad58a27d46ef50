using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator;

namespace ModelGen.Cli.Tests;

/// <summary>
/// <c>modelgen check</c> reports what the build reports: the real generator is run over the same model source with
/// the manifest <c>modelgen manifest</c> writes, and the checkpoint diagnostics (severity, ID and message) must be identical.
/// </summary>
public sealed class BuildParityTests : IDisposable
{
    private const string Model = "ModelGen.Cli.Tests.CheckTestModel";
    // MG0024 needs keys only; the shape kinds need a model the tool can build (the theory over ShapeParityModel below).
    private static readonly string[] CheckpointIds = ["MG0006", "MG0007", "MG0009", "MG0013", "MG0024"];

    private readonly TestCheckpoints _checkpoints = new();

    public void Dispose() => _checkpoints.Dispose();

    public static TheoryData<string, string[], string[]> Scenarios() => new()
    {
        { "clean", [], ["layers.0.rotary.inv_freq"] },
        { "typo", ["norm.weight"], ["norm.wieght"] },
        { "list typos", [], ["layers.0.prj.weight", "layers.1.prj.weight", "layers.1.proj.extra"] },
        { "missing", ["norm.weight", "embed.weight"], [] },
        { "missing list entry", ["layers.1.proj.bias"], [] },
        { "index gap", ["layers.1.proj.weight", "layers.1.proj.bias"], ["layers.2.proj.weight", "layers.2.proj.bias", "layers.5.proj.weight"] },
        { "tied and computed present", [], ["head.weight", "frequencies"] },
        { "unrelated keys", [], ["model.decoder.weight", "lm_head.weight", "x"] },
        { "typo beside the mapped key", [], ["norm.wieght"] },
        {
            "misspelled container",
            ["layers.0.proj.weight", "layers.0.proj.bias", "layers.1.proj.weight", "layers.1.proj.bias"],
            ["layer.0.proj.weight", "layer.0.proj.bias", "layer.1.proj.weight", "layer.1.proj.bias"]
        },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Check_findings_equal_the_generators_diagnostics(string scenario, string[] without, string[] with)
    {
        string checkpoint = _checkpoints.Single(TestCheckpoints.ModelTensors(without, with), scenario.Replace(' ', '-') + ".safetensors");
        string manifestPath = Path.Combine(_checkpoints.Folder, scenario.Replace(' ', '-') + ".manifest");
        Assert.Equal(0, CliRun.Of("manifest", checkpoint, "-o", manifestPath).ExitCode);

        CliRun check = CliRun.Of("check", checkpoint, "--assembly", typeof(CheckTestModel).Assembly.Location, "--model", Model, "--json");
        using JsonDocument json = JsonDocument.Parse(check.Stdout);
        var fromTool = json.RootElement.GetProperty("findings").EnumerateArray()
            .Select(f => f.GetProperty("severity").GetString() + " " + f.GetProperty("id").GetString() + ": " + f.GetProperty("message").GetString())
            .Order(StringComparer.Ordinal).ToList();
        var fromBuild = GeneratorDiagnostics(manifestPath, File.ReadAllText(manifestPath))
            .Where(d => CheckpointIds.Contains(d.Id))
            .Select(d => d.Severity.ToString().ToLowerInvariant() + " " + d.Id + ": " + d.GetMessage(CultureInfo.InvariantCulture))
            .Order(StringComparer.Ordinal).ToList();

        Assert.Equal(fromBuild, fromTool);
        Assert.Equal(fromBuild.Count == 0 ? 0 : 1, check.ExitCode);
    }

    [Fact]
    public void The_scenarios_cover_every_checkpoint_diagnostic_the_model_can_produce()
    {
        var ids = new HashSet<string>();
        foreach (object[] row in Scenarios())
        {
            string name = (string)row[0];
            string checkpoint = _checkpoints.Single(TestCheckpoints.ModelTensors((string[])row[1], (string[])row[2]), "cover-" + name.Replace(' ', '-') + ".safetensors");
            CliRun check = CliRun.Of("check", checkpoint, "--assembly", typeof(CheckTestModel).Assembly.Location, "--model", Model, "--json");
            using JsonDocument json = JsonDocument.Parse(check.Stdout);
            ids.UnionWith(json.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("id").GetString()!));
        }

        // Every parameter of the test model has an initializer, so MG0013 cannot occur with it.
        Assert.Equal(["MG0006", "MG0007", "MG0009", "MG0024"], ids.Order(StringComparer.Ordinal));
    }

    private const string ShapeModel = "ModelGen.Cli.Tests.ShapeParityModel";
    private static readonly string[] ShapeIds = [.. CheckpointIds, "MG0020", "MG0022", "MG0023"];

    /// <summary>Which tensors of <see cref="ShapeParityModel"/>'s checkpoint differ from the model, per scenario.</summary>
    public static TheoryData<string, string[]> ShapeScenarios() => new()
    {
        { "shapes clean", [] },
        { "wrong width", ["layers.0.proj.weight F32 5,4", "layers.1.proj.weight F32 5,4", "layers.0.proj.bias F32 5", "layers.1.proj.bias F32 5"] },
        { "wrong rank", ["layers.1.proj.bias F32 4,1"] },
        { "wrong list length", ["layers.2.proj.weight F32 4,4", "layers.2.proj.bias F32 4"] },
        { "I8 into F16", ["half.weight I8 4,4"] },
        { "tied key in checkpoint", ["head.weight F32 6,4"] },
    };

    [Theory]
    [MemberData(nameof(ShapeScenarios))]
    public void Shape_dtype_list_and_tie_findings_equal_the_generators_diagnostics(string scenario, string[] changes)
    {
        string name = scenario.Replace(' ', '-');
        string checkpoint = _checkpoints.Single(ShapeModelTensors(changes), name + ".safetensors");
        string manifestPath = Path.Combine(_checkpoints.Folder, name + ".manifest");
        Assert.Equal(0, CliRun.Of("manifest", checkpoint, "-o", manifestPath).ExitCode);

        CliRun check = CliRun.Of("check", checkpoint, "--assembly", typeof(ShapeParityModel).Assembly.Location, "--model", ShapeModel, "--json");
        using JsonDocument json = JsonDocument.Parse(check.Stdout);
        Assert.True(json.RootElement.GetProperty("shapesChecked").GetBoolean(), json.RootElement.GetProperty("shapesNotChecked").GetString());
        var fromTool = json.RootElement.GetProperty("findings").EnumerateArray()
            .Select(f => f.GetProperty("severity").GetString() + " " + f.GetProperty("id").GetString() + ": " + f.GetProperty("message").GetString())
            .Order(StringComparer.Ordinal).ToList();
        var fromBuild = GeneratorDiagnostics(manifestPath, File.ReadAllText(manifestPath), "ShapeParityModel.cs", ShapeModel)
            .Where(d => ShapeIds.Contains(d.Id))
            .Select(d => d.Severity.ToString().ToLowerInvariant() + " " + d.Id + ": " + d.GetMessage(CultureInfo.InvariantCulture))
            .Order(StringComparer.Ordinal).ToList();

        Assert.Equal(fromBuild, fromTool);
        Assert.Equal(fromBuild.Count == 0 ? 0 : 1, check.ExitCode);
        // The committed manifest carries the shapes and dtypes too: checking it finds the same.
        CliRun fromManifest = CliRun.Of("check", manifestPath, "--assembly", typeof(ShapeParityModel).Assembly.Location, "--model", ShapeModel, "--json");
        using (JsonDocument manifestJson = JsonDocument.Parse(fromManifest.Stdout))
        {
            Assert.Equal(fromTool, manifestJson.RootElement.GetProperty("findings").EnumerateArray()
                .Select(f => f.GetProperty("severity").GetString() + " " + f.GetProperty("id").GetString() + ": " + f.GetProperty("message").GetString())
                .Order(StringComparer.Ordinal).ToList());
        }
        // Each faulty scenario shows the kind it is about, so an empty pair of lists cannot pass for agreement.
        string? expected = scenario switch
        {
            "wrong width" or "wrong rank" => "MG0020",
            "wrong list length" => "MG0022",
            "I8 into F16" => "MG0023",
            "tied key in checkpoint" => "MG0024",
            _ => null,
        };
        if (expected is null) Assert.Empty(fromTool);
        else Assert.Contains(fromTool, f => f.Contains(" " + expected + ": ", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_says_when_it_cannot_build_the_model_for_shapes()
    {
        // CheckTestModel's constructor takes the block count, so the tool cannot build it and says so.
        string checkpoint = _checkpoints.Single(TestCheckpoints.ModelTensors(), "unbuildable.safetensors");
        CliRun check = CliRun.Of("check", checkpoint, "--assembly", typeof(CheckTestModel).Assembly.Location, "--model", Model);
        Assert.Contains("shapes:   not checked (MG0020, MG0022, MG0023): ModelGen.Cli.Tests.CheckTestModel has no public parameterless constructor", check.Stdout);
    }

    /// <summary>
    /// The tensors of <see cref="ShapeParityModel"/> with the right shapes and dtypes, with each change
    /// (<c>key DTYPE d0,d1</c>) replacing or adding one tensor.
    /// </summary>
    private static List<KeyValuePair<string, TorchSharp.torch.Tensor>> ShapeModelTensors(string[] changes)
    {
        var tensors = new SortedDictionary<string, TorchSharp.torch.Tensor>(StringComparer.Ordinal)
        {
            ["embed.weight"] = TorchSharp.torch.zeros(6, 4),
            ["half.weight"] = TorchSharp.torch.zeros(4, 4, dtype: TorchSharp.torch.ScalarType.Float16),
        };
        for (int i = 0; i < 2; i++)
        {
            tensors[$"layers.{i}.proj.weight"] = TorchSharp.torch.zeros(4, 4);
            tensors[$"layers.{i}.proj.bias"] = TorchSharp.torch.zeros(4);
        }
        foreach (string change in changes)
        {
            string[] parts = change.Split(' ');
            long[] shape = parts[2].Split(',').Select(long.Parse).ToArray();
            var dtype = parts[1] switch
            {
                "I8" => TorchSharp.torch.ScalarType.Int8,
                "F16" => TorchSharp.torch.ScalarType.Float16,
                _ => TorchSharp.torch.ScalarType.Float32,
            };
            tensors[parts[0]] = TorchSharp.torch.zeros(shape, dtype: dtype);
        }
        return tensors.ToList();
    }

    private const string ConfigModel = "ModelGen.Cli.Tests.ConfigTestModel";

    /// <summary>Config scenarios of <see cref="ConfigTestModel"/>: the checkpoint has hidden 4, intermediate 6, two layers.</summary>
    public static TheoryData<string, int, int, int, string?> ConfigScenarios() => new()
    {
        { "config clean", 4, 6, 2, null },
        { "config wrong intermediate", 4, 5, 2, "MG0020" },
        { "config wrong layers", 4, 6, 3, "MG0022" },
    };

    [Theory]
    [MemberData(nameof(ConfigScenarios))]
    public void Findings_of_a_model_built_from_config_json_equal_the_generators_diagnostics(string scenario, int hidden, int intermediate, int layers, string? expected)
    {
        string name = scenario.Replace(' ', '-');
        string checkpoint = _checkpoints.Single(ConfigCheckTests.Tensors(), Path.Combine(name, "model.safetensors"));
        string configPath = Path.Combine(_checkpoints.Folder, name, "config.json");
        File.WriteAllText(configPath, ConfigCheckTests.Config(hidden, intermediate, layers));
        string manifestPath = Path.Combine(_checkpoints.Folder, name, "checkpoint.manifest");
        Assert.Equal(0, CliRun.Of("manifest", checkpoint, "-o", manifestPath).ExitCode);

        CliRun check = CliRun.Of("check", checkpoint, "--assembly", typeof(ConfigTestModel).Assembly.Location, "--model", ConfigModel, "--json");
        using JsonDocument json = JsonDocument.Parse(check.Stdout);
        Assert.True(json.RootElement.GetProperty("shapesChecked").GetBoolean(), json.RootElement.GetProperty("shapesNotChecked").GetString());
        // The build words a config-bound size by its source ("config.IntermediateSize = 5 ('config.IntermediateSize' from
        // config.json 'intermediate_size')"); the tool built the model and knows only the value, so it words it as for a
        // model with literal sizes. Severity, ID and the key or list concerned (the message's first quoted name) agree.
        var fromTool = json.RootElement.GetProperty("findings").EnumerateArray()
            .Select(f => f.GetProperty("severity").GetString() + " " + f.GetProperty("id").GetString() + ": " + FirstQuoted(f.GetProperty("message").GetString()!))
            .Order(StringComparer.Ordinal).ToList();
        var fromBuild = GeneratorDiagnostics(manifestPath, File.ReadAllText(manifestPath), "ConfigTestModel.cs", ConfigModel, (configPath, File.ReadAllText(configPath)))
            .Where(d => ShapeIds.Contains(d.Id))
            .Select(d => d.Severity.ToString().ToLowerInvariant() + " " + d.Id + ": " + FirstQuoted(d.GetMessage(CultureInfo.InvariantCulture)))
            .Order(StringComparer.Ordinal).ToList();

                Assert.Equal(fromBuild, fromTool);
        Assert.Equal(fromBuild.Count == 0 ? 0 : 1, check.ExitCode);
        if (expected is null) Assert.Empty(fromTool);
        else Assert.Contains(fromTool, f => f.Contains(" " + expected + ": ", StringComparison.Ordinal));
    }

    /// <summary>The first <c>'...'</c> name of a finding's message: the checkpoint key (MG0020, MG0023) or module list (MG0022).</summary>
    private static string FirstQuoted(string message)
    {
        int start = message.IndexOf('\'') + 1;
        return message[start..message.IndexOf('\'', start)];
    }

    private static ImmutableArray<Diagnostic> GeneratorDiagnostics(string manifestPath, string manifest, string resource = "CheckTestModel.cs", string model = Model, (string Path, string Text)? config = null)
    {
        string source;
        using (var stream = typeof(BuildParityTests).Assembly.GetManifestResourceStream(resource)!)
        using (var reader = new StreamReader(stream))
            source = reader.ReadToEnd();
        var parse = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(
            "ParityModels",
            [CSharpSyntaxTree.ParseText(source, parse, resource)],
            [
                .. Basic.Reference.Assemblies.Net100.References.All,
                MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location),
                MetadataReference.CreateFromFile(typeof(ShardedModelAttribute).Assembly.Location),
            ],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var perFile = ImmutableDictionary<string, string>.Empty.Add(ShardedModelGenerator.ModelMetadata, model);
        var files = new Dictionary<string, ImmutableDictionary<string, string>> { [manifestPath] = perFile };
        var texts = new List<AdditionalText> { new ManifestText(manifestPath, manifest) };
        if (config is { } c)
        {
            // The config reaches the generator as the checkpoint build step passes it (docs/keys.md, "Config").
            files[c.Path] = perFile.Add(ShardedModelGenerator.KindMetadata, ShardedModelGenerator.ConfigKind);
            texts.Add(new ManifestText(c.Path, c.Text));
        }
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new ShardedModelGenerator().AsSourceGenerator()],
            texts,
            parse,
            new ManifestOptions(files));
        driver.RunGeneratorsAndUpdateCompilation(compilation, out _, out ImmutableArray<Diagnostic> diagnostics);
        return diagnostics;
    }

    private sealed class ManifestText(string path, string content) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(content);
    }

    private sealed class ManifestOptions(Dictionary<string, ImmutableDictionary<string, string>> metadata) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(ImmutableDictionary<string, string>.Empty);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => GlobalOptions;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
            metadata.TryGetValue(textFile.Path, out var values) ? new Options(values) : GlobalOptions;

        private sealed class Options(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }
}
