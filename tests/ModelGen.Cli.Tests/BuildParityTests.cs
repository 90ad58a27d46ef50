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
/// the manifest <c>modelgen manifest</c> writes (named as the file check reads, which the coverage message names) and
/// the same config.json, and the checkpoint diagnostics (severity, ID and full message) must be identical.
/// </summary>
public sealed class BuildParityTests : IDisposable
{
    private const string Model = "ModelGen.Cli.Tests.CheckTestModel";
    // Every diagnostic the build gives from a checkpoint manifest and config.json.
    private static readonly string[] CheckpointIds =
        ["MG0006", "MG0007", "MG0009", "MG0013", "MG0020", "MG0021", "MG0022", "MG0023", "MG0024", "MG0025", "MG0026", "MG0027"];

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
        var fromTool = ToolFindings(check);
        var fromBuild = BuildFindings(GeneratorDiagnostics(checkpoint, File.ReadAllText(manifestPath)));

        Assert.Equal(fromBuild, fromTool);
        Assert.Equal(fromBuild.Count == 0 ? 0 : 1, check.ExitCode);
    }

    /// <summary>The <c>severity ID: message</c> of every finding of a <c>check --json</c> run, in ordinal order.</summary>
    private static List<string> ToolFindings(CliRun check)
    {
        using JsonDocument json = JsonDocument.Parse(check.Stdout);
        return json.RootElement.GetProperty("findings").EnumerateArray()
            .Select(f => f.GetProperty("severity").GetString() + " " + f.GetProperty("id").GetString() + ": " + f.GetProperty("message").GetString())
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The <c>severity ID: message</c> of the generator's checkpoint diagnostics, in ordinal order.</summary>
    private static List<string> BuildFindings(IEnumerable<Diagnostic> diagnostics) => diagnostics
        .Where(d => CheckpointIds.Contains(d.Id))
        .Select(d => d.Severity.ToString().ToLowerInvariant() + " " + d.Id + ": " + d.GetMessage(CultureInfo.InvariantCulture))
        .Order(StringComparer.Ordinal).ToList();

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

        // Every parameter of the test model has an initializer, so MG0013 cannot occur with it; its shapes all agree.
        Assert.Equal(["MG0006", "MG0007", "MG0009", "MG0024"], ids.Order(StringComparer.Ordinal));
    }

    private const string ShapeModel = "ModelGen.Cli.Tests.ShapeParityModel";

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
        using (JsonDocument json = JsonDocument.Parse(check.Stdout))
            Assert.True(json.RootElement.GetProperty("shapesChecked").GetBoolean(), json.RootElement.GetProperty("shapesNotChecked").GetString());
        var fromTool = ToolFindings(check);
        var fromBuild = BuildFindings(GeneratorDiagnostics(checkpoint, File.ReadAllText(manifestPath), "ShapeParityModel.cs", ShapeModel));

        Assert.Equal(fromBuild, fromTool);
        Assert.Equal(fromBuild.Count == 0 ? 0 : 1, check.ExitCode);
        // The committed manifest carries the shapes and dtypes too: checking it finds the same.
        CliRun fromManifest = CliRun.Of("check", manifestPath, "--assembly", typeof(ShapeParityModel).Assembly.Location, "--model", ShapeModel, "--json");
        Assert.Equal(fromTool, ToolFindings(fromManifest));
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
    public void Check_says_when_it_cannot_build_the_model_for_what_the_build_leaves_unchecked()
    {
        // CheckTestModel's constructor takes the block count: the build's checks run on its shape table, but the dtypes
        // its layers are created with (not written in the source) need the model built, which the tool cannot do.
        string checkpoint = _checkpoints.Single(TestCheckpoints.ModelTensors(), "unbuildable.safetensors");
        CliRun check = CliRun.Of("check", checkpoint, "--assembly", typeof(CheckTestModel).Assembly.Location, "--model", Model);
        Assert.Contains("shapes:   not checked (MG0020, MG0022, MG0023): ModelGen.Cli.Tests.CheckTestModel has no public parameterless constructor", check.Stdout);
        Assert.Contains("; the build's own checks ran, but the dtypes of 4 key patterns ('embed.weight', 'layers.{i}.proj.bias', 'layers.{i}.proj.weight', ...) the build could not evaluate are not checked", check.Stdout);
        Assert.Equal(0, check.ExitCode);
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

    /// <summary>
    /// Config scenarios of <see cref="ConfigTestModel"/> (sizes bound from config.json through [JsonPropertyName]): the
    /// checkpoint has hidden 4, intermediate 6, two layers; the config says otherwise, or is not JSON.
    /// </summary>
    public static TheoryData<string, string, string?> ConfigScenarios() => new()
    {
        { "config clean", ConfigCheckTests.Config(4, 6, 2), null },
        { "config wrong intermediate", ConfigCheckTests.Config(4, 5, 2), "MG0020" },
        { "config wrong layers", ConfigCheckTests.Config(4, 6, 3), "MG0022" },
        { "config not json", """{ "hidden_size": 4, "intermediate_size": """, "MG0027" },
    };

    [Theory]
    [MemberData(nameof(ConfigScenarios))]
    public void Findings_of_a_model_built_from_config_json_equal_the_generators_diagnostics(string scenario, string config, string? expected)
    {
        string name = scenario.Replace(' ', '-');
        string checkpoint = _checkpoints.Single(ConfigCheckTests.Tensors(), Path.Combine(name, "model.safetensors"));
        string configPath = Path.Combine(_checkpoints.Folder, name, "config.json");
        File.WriteAllText(configPath, config);
        var (fromTool, fromBuild, exit) = Parity(checkpoint, ConfigModel, "ConfigTestModel.cs", configPath);

        Assert.Equal(fromBuild, fromTool);
        Assert.Equal(fromBuild.Count == 0 ? 0 : 1, exit);
        if (expected is null) Assert.Empty(fromTool);
        else Assert.Contains(fromTool, f => f.Contains(" " + expected + ": ", StringComparison.Ordinal));
        // The config-bound wording: the size by the config value it comes from.
        if (expected == "MG0020") Assert.Contains(fromTool, f => f.Contains("('config.IntermediateSize' from config.json 'intermediate_size')", StringComparison.Ordinal));
    }

    /// <summary>
    /// Runs <c>check --json</c> on <paramref name="checkpoint"/> (with <paramref name="configPath"/> as --config when given)
    /// and the generator on the same model source, manifest and config.json.
    /// </summary>
    private (List<string> Tool, List<string> Build, int Exit) Parity(string checkpoint, string model, string resource, string? configPath = null)
    {
        string manifestPath = checkpoint + ".manifest";
        Assert.Equal(0, CliRun.Of("manifest", checkpoint, "-o", manifestPath).ExitCode);
        string[] config = configPath is null ? [] : ["--config", configPath];
        CliRun check = CliRun.Of(["check", checkpoint, "--assembly", typeof(BuildParityTests).Assembly.Location, "--model", model, "--json", .. config]);
        var build = BuildFindings(GeneratorDiagnostics(checkpoint, File.ReadAllText(manifestPath), resource, model,
            configPath is null ? null : (configPath, File.ReadAllText(configPath))));
        return (ToolFindings(check), build, check.ExitCode);
    }

    private const string SymbolModel = "ModelGen.Cli.Tests.SymbolParityModel";

    private string SymbolCheckpoint(string name, int headWidth) => _checkpoints.Single(
    [
        new("up.weight", TorchSharp.torch.zeros(8, 4)),
        new("down.weight", TorchSharp.torch.zeros(4, 8)),
        new("head.weight", TorchSharp.torch.zeros(3, headWidth)),
    ], Path.Combine(name, "model.safetensors"));

    [Fact]
    public void A_symbol_two_keys_disagree_on_is_the_builds_MG0021_naming_the_position_of_the_agreed_value()
    {
        var (fromTool, fromBuild, exit) = Parity(SymbolCheckpoint("symbol-contradiction", 5), SymbolModel, "ParityModels.cs");

        Assert.Equal(fromBuild, fromTool);
        string finding = Assert.Single(fromTool);
        Assert.StartsWith("error MG0021: Checkpoint key 'head.weight' has shape [3, 5], but the model creates [3, hidden = 4]: 'hidden' would be 5 here, yet it is 4 from 'down.weight' at ParityModels.cs(", finding);
        Assert.Equal(1, exit);
    }

    [Fact]
    public void The_corrected_checkpoint_gives_no_findings_from_either()
    {
        var (symbolTool, symbolBuild, symbolExit) = Parity(SymbolCheckpoint("symbol-corrected", 4), SymbolModel, "ParityModels.cs");
        Assert.Empty(symbolBuild);
        Assert.Empty(symbolTool);
        Assert.Equal(0, symbolExit);

        string folder = Path.Combine(_checkpoints.Folder, "config-corrected");
        string checkpoint = _checkpoints.Single(ConfigCheckTests.Tensors(), Path.Combine("config-corrected", "model.safetensors"));
        File.WriteAllText(Path.Combine(folder, "config.json"), ConfigCheckTests.Config());
        var (configTool, configBuild, configExit) = Parity(checkpoint, ConfigModel, "ConfigTestModel.cs", Path.Combine(folder, "config.json"));
        Assert.Empty(configBuild);
        Assert.Empty(configTool);
        Assert.Equal(0, configExit);
    }

    [Fact]
    public void Config_values_the_model_does_not_follow_are_the_builds_MG0025()
    {
        // ShapeParityModel has two literal layers and a tied head; this config says three layers and an untied head.
        string checkpoint = _checkpoints.Single(ShapeModelTensors([]), Path.Combine("not-followed", "model.safetensors"));
        string configPath = Path.Combine(_checkpoints.Folder, "not-followed", "config.json");
        File.WriteAllText(configPath, """{ "num_hidden_layers": 3, "tie_word_embeddings": false }""");
        var (fromTool, fromBuild, exit) = Parity(checkpoint, ShapeModel, "ShapeParityModel.cs", configPath);

        Assert.Equal(fromBuild, fromTool);
        Assert.Equal(
        [
            "warning MG0025: config.json sets 'num_hidden_layers' to 3, but the layer list 'layers' gets 2 entries in the model",
            "warning MG0025: config.json sets 'tie_word_embeddings' to false, but 'head.weight' is [TiedTo(\"embed.weight\")]",
        ], fromTool);
        Assert.Equal(1, exit);
    }

    private const string BlockListModel = "ModelGen.Cli.Tests.BlockListParityModel";

    private string BlockListCheckpoint(string name, int blocks, int secondWidth, bool withBias = true)
    {
        var tensors = new List<KeyValuePair<string, TorchSharp.torch.Tensor>>();
        for (int i = 0; i < blocks; i++)
        {
            tensors.Add(new($"blocks.{i}.0.weight", TorchSharp.torch.zeros(8, 4)));
            if (withBias || i > 0) tensors.Add(new($"blocks.{i}.0.bias", TorchSharp.torch.zeros(8)));
            tensors.Add(new($"blocks.{i}.2.weight", TorchSharp.torch.zeros(4, i == 1 ? secondWidth : 8)));
        }
        return _checkpoints.Single(tensors, Path.Combine(name, "model.safetensors"));
    }

    [Fact]
    public void Keys_of_a_list_of_sequential_blocks_are_read_as_the_build_reads_them()
    {
        var (cleanTool, cleanBuild, cleanExit) = Parity(BlockListCheckpoint("blocks-clean", 2, 8), BlockListModel, "ParityModels.cs");
        Assert.Empty(cleanBuild);
        Assert.Empty(cleanTool);
        Assert.Equal(0, cleanExit);

        // A wrong width in block 1, a third block the model lacks, and block 0's missing bias.
        var (fromTool, fromBuild, exit) = Parity(BlockListCheckpoint("blocks-wrong", 3, 6, withBias: false), BlockListModel, "ParityModels.cs");
        Assert.Equal(fromBuild, fromTool);
        Assert.Contains(fromTool, f => f.StartsWith("error MG0020: Checkpoint key 'blocks.1.2.weight' has shape [4, 6]", StringComparison.Ordinal));
        Assert.Contains(fromTool, f => f.StartsWith("error MG0022: Module list 'blocks' gets 2 entries in the model but the checkpoint has 3", StringComparison.Ordinal));
        Assert.Contains(fromTool, f => f.StartsWith("error MG0007: 'blocks.{i}.0.bias'", StringComparison.Ordinal));
        Assert.Equal(1, exit);
    }

    private const string PartialModel = "ModelGen.Cli.Tests.PartialParityModel";

    private string PartialCheckpoint(string name, int parsedWidth) => _checkpoints.Single(
    [
        new("known.weight", TorchSharp.torch.zeros(4, 4)),
        new("parsed.weight", TorchSharp.torch.zeros(2, parsedWidth)),
    ], Path.Combine(name, "model.safetensors"));

    [Fact]
    public void A_partially_checkable_model_gets_the_builds_MG0026_and_the_rest_checked_once_on_the_meta_device()
    {
        var (fromTool, fromBuild, exit) = Parity(PartialCheckpoint("partial", 4), PartialModel, "ParityModels.cs");
        Assert.Equal(fromBuild, fromTool);
        string info = Assert.Single(fromTool);
        Assert.StartsWith("info MG0026: Shapes of 'ModelGen.Cli.Tests.PartialParityModel' checked for 1 of 2 checkpoint keys in '", info);
        Assert.Contains("not checkable: 'parsed.weight' (", info);
        // Information only: the check passes.
        Assert.Equal(0, exit);

        // A wrong width in the key the build cannot evaluate: the build still says only MG0026; check adds the one
        // finding the model built on the meta device gives for it, and reports the key once.
        var (wrongTool, wrongBuild, wrongExit) = Parity(PartialCheckpoint("partial-wrong", 5), PartialModel, "ParityModels.cs");
        string extra = Assert.Single(wrongTool.Except(wrongBuild));
        Assert.Equal("error MG0020: Checkpoint key 'parsed.weight' has shape [2, 5], but the model creates [2, 4]; dimension 1 is 4, the checkpoint's 5", extra);
        Assert.Equal(wrongBuild, wrongTool.Where(f => f != extra));
        Assert.Single(wrongTool, f => f.Contains("'parsed.weight' has shape", StringComparison.Ordinal));
        Assert.Equal(1, wrongExit);

        // A wrong rank: the build reports it although a dimension is unknown, so the meta-device build adds nothing.
        string rankCheckpoint = _checkpoints.Single(
        [
            new("known.weight", TorchSharp.torch.zeros(4, 4)),
            new("parsed.weight", TorchSharp.torch.zeros(2, 4, 1)),
        ], Path.Combine("partial-rank", "model.safetensors"));
        var (rankTool, rankBuild, _) = Parity(rankCheckpoint, PartialModel, "ParityModels.cs");
        Assert.Equal(rankBuild, rankTool);
        Assert.Contains("; the model's tensor has 2 dimensions, the checkpoint's 3", Assert.Single(rankTool, f => f.Contains("'parsed.weight' has shape", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_model_assembly_built_without_a_shape_table_still_gets_the_meta_built_findings()
    {
        string dll = LegacyAssembly(Path.Combine(_checkpoints.Folder, "legacy"));

        // Literal sizes: the model built on the meta device gives the build's wording.
        string checkpoint = _checkpoints.Single(ShapeModelTensors(["layers.0.proj.bias F32 5"]), Path.Combine("legacy-width", "model.safetensors"));
        CliRun check = CliRun.Of("check", checkpoint, "--assembly", dll, "--model", ShapeModel, "--json");
        Assert.Equal(["error MG0020: Checkpoint key 'layers.0.proj.bias' has shape [5], but the model creates [4]; dimension 0 is 4, the checkpoint's 5"], ToolFindings(check));
        Assert.Equal(1, check.ExitCode);

        // Config-bound sizes: without the build's shape table only the values are known, worded as literal sizes.
        string configCheckpoint = _checkpoints.Single(ConfigCheckTests.Tensors(), Path.Combine("legacy-config", "model.safetensors"));
        File.WriteAllText(Path.Combine(_checkpoints.Folder, "legacy-config", "config.json"), ConfigCheckTests.Config(intermediate: 5));
        CliRun configCheck = CliRun.Of("check", configCheckpoint, "--assembly", dll, "--model", ConfigModel, "--json");
        Assert.Equal(
        [
            "error MG0020: Checkpoint key 'layers.0.down.weight' has shape [4, 6], but the model creates [4, 5] (and 1 more keys like 'layers.{i}.down.weight'); dimension 1 is 5, the checkpoint's 6",
            "error MG0020: Checkpoint key 'layers.0.up.weight' has shape [6, 4], but the model creates [5, 4] (and 1 more keys like 'layers.{i}.up.weight'); dimension 0 is 5, the checkpoint's 6",
        ], ToolFindings(configCheck));
    }

    /// <summary>
    /// Builds <see cref="ShapeParityModel"/> and <see cref="ConfigTestModel"/> into an assembly whose generated key tables
    /// carry no shape table, as every generator before <c>CheckpointKeyTable.ShapeTable</c> emitted them: the real
    /// generator's output with the <c>{ ShapeTable = ... }</c> initializer taken out.
    /// </summary>
    private static string LegacyAssembly(string folder)
    {
        var parse = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);
        var trees = new List<SyntaxTree>
        {
            CSharpSyntaxTree.ParseText("global using System; global using System.Linq; global using System.Collections.Generic;", parse, "Usings.cs"),
        };
        foreach (string resource in new[] { "ShapeParityModel.cs", "ConfigTestModel.cs" })
            trees.Add(CSharpSyntaxTree.ParseText(Resource(resource), parse, resource));
        var compilation = CSharpCompilation.Create("LegacyParityModels", trees, References(), new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        CSharpGeneratorDriver.Create([new ShardedModelGenerator().AsSourceGenerator()], parseOptions: parse)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation generated, out _);

        var initializer = new System.Text.RegularExpressions.Regex(@"\)\s*\{ ShapeTable = ""(?:[^""\\]|\\.)*"" \};");
        int removed = 0;
        Compilation legacy = compilation;
        foreach (SyntaxTree tree in generated.SyntaxTrees.Skip(trees.Count))
        {
            string text = tree.ToString();
            removed += initializer.Matches(text).Count;
            legacy = legacy.AddSyntaxTrees(CSharpSyntaxTree.ParseText(initializer.Replace(text, ");"), parse, tree.FilePath));
        }
        Assert.Equal(3, removed); // ShapeParityModel, ConfigTestModel, ConfigPairTestModel

        Directory.CreateDirectory(folder);
        string dll = Path.Combine(folder, "LegacyParityModels.dll");
        var emitted = legacy.Emit(dll);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return dll;
    }

    private static string Resource(string name)
    {
        using var stream = typeof(BuildParityTests).Assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static IEnumerable<MetadataReference> References() =>
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(ShardedModelAttribute).Assembly.Location),
    ];

    private static ImmutableArray<Diagnostic> GeneratorDiagnostics(string manifestPath, string manifest, string resource = "CheckTestModel.cs", string model = Model, (string Path, string Text)? config = null)
    {
        var parse = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(
            "ParityModels",
            [CSharpSyntaxTree.ParseText(Resource(resource), parse, resource)],
            References(),
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
