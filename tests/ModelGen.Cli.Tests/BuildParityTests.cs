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
    private static readonly string[] CheckpointIds = ["MG0006", "MG0007", "MG0009", "MG0013"];

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
        Assert.Equal(["MG0006", "MG0007", "MG0009"], ids.Order(StringComparer.Ordinal));
    }

    private static ImmutableArray<Diagnostic> GeneratorDiagnostics(string manifestPath, string manifest)
    {
        string source;
        using (var stream = typeof(BuildParityTests).Assembly.GetManifestResourceStream("CheckTestModel.cs")!)
        using (var reader = new StreamReader(stream))
            source = reader.ReadToEnd();
        var parse = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(
            "ParityModels",
            [CSharpSyntaxTree.ParseText(source, parse, "CheckTestModel.cs")],
            [
                .. Basic.Reference.Assemblies.Net100.References.All,
                MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location),
                MetadataReference.CreateFromFile(typeof(ShardedModelAttribute).Assembly.Location),
            ],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var perFile = ImmutableDictionary<string, string>.Empty.Add(ShardedModelGenerator.ModelMetadata, Model);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new ShardedModelGenerator().AsSourceGenerator()],
            [new ManifestText(manifestPath, manifest)],
            parse,
            new ManifestOptions(manifestPath, perFile));
        driver.RunGeneratorsAndUpdateCompilation(compilation, out _, out ImmutableArray<Diagnostic> diagnostics);
        return diagnostics;
    }

    private sealed class ManifestText(string path, string content) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(content);
    }

    private sealed class ManifestOptions(string manifestPath, ImmutableDictionary<string, string> metadata) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(ImmutableDictionary<string, string>.Empty);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => GlobalOptions;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
            textFile.Path == manifestPath ? new Options(metadata) : GlobalOptions;

        private sealed class Options(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }
}
