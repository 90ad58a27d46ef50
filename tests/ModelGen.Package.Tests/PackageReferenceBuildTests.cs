using System.Text.RegularExpressions;
using ModelGen.Package.Tests.Infrastructure;

namespace ModelGen.Package.Tests;

/// <summary>
/// A user's first hour with the package: a fresh project references ModelGen from a feed, declares the checkpoint
/// it will load, reads the diagnostics <c>dotnet build</c> prints for a model whose field was renamed, commits the
/// manifest the build wrote, fixes the model, and runs the program, which loads the checkpoint.
/// </summary>
[Collection(PackedModelGenCollection.Name)]
public sealed class PackageReferenceBuildTests(PackedModelGen package) : IDisposable
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(1);

    private const string ModelName = "Demo.TinyMlp";

    private const string Program = """
        using System.Globalization;
        using Demo;
        using ModelGen.Loading;
        using TorchSharp;

        var model = MetaConstruction.Build(() => new TinyMlp());
        LoadReport report = ShardedLoader.Load(model, args[0]);

        float value = model.named_parameters().Single(p => p.name == "down_proj.weight").parameter[1, 2].item<float>();
        long[] shape = model.forward(torch.ones(1, 2)).shape;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"loaded {report.LoadedKeys.Count} ({string.Join(",", report.LoadedKeys.Order(StringComparer.Ordinal))}), initialized {report.InitializedKeys.Count}, backend {report.Backend}, down_proj.weight[1,2] = {value}, forward [{string.Join(",", shape)}]"));
        """;

    private readonly UserProject _project = new(package);

    public void Dispose() => _project.Dispose();

    private static string Guide() => File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "getting-started.md"));

    /// <summary>The diagnostics the guide shows for the renamed field, each without its leading "...".</summary>
    private static string[] GuideDiagnostics() =>
        Guide().Split('\n').Where(l => l.StartsWith("...", StringComparison.Ordinal) && l.Contains(": error MG", StringComparison.Ordinal))
            .Select(l => l[3..].TrimEnd()).ToArray();

    /// <summary>
    /// The model of docs/getting-started.md (a copy of the examples' SwiGLU block), taken from the guide so the guide
    /// stays exact; <paramref name="upProjection"/> renames its <c>up_proj</c> field.
    /// </summary>
    private static string Model(string upProjection)
    {
        Match model = Regex.Match(Guide(), @"```csharp\n(?<code>using ModelGen;.*?)```", RegexOptions.Singleline);
        Assert.True(model.Success, "docs/getting-started.md has no model snippet");
        return model.Groups["code"].Value.Replace("up_proj", upProjection, StringComparison.Ordinal);
    }

    /// <summary>1-based line and column of the field named <paramref name="field"/> in the model source.</summary>
    private static (int Line, int Column) FieldLocation(string source, string field)
    {
        string[] lines = source.Split('\n');
        int index = Array.FindIndex(lines, l => l.Contains($"Linear {field} =", StringComparison.Ordinal));
        return (index + 1, lines[index].IndexOf(field, StringComparison.Ordinal) + 1);
    }

    /// <summary>
    /// The checkpoint in the order Python writers use (sorted keys). Values are (tensor * 10 + element) / 4, exact in
    /// float32, so down_proj.weight[1,2] (the first tensor, element 5) is 1.25.
    /// </summary>
    private void WriteCheckpoint()
    {
        Directory.CreateDirectory(_project.PathOf("weights"));
        static float[] Values(int tensor, int count) => Enumerable.Range(0, count).Select(i => (tensor * 10 + i) / 4f).ToArray();
        SafetensorsF32File.Write(_project.PathOf("weights", "model.safetensors"),
            ("down_proj.weight", [2, 3], Values(0, 6)),
            ("gate_proj.weight", [3, 2], Values(1, 6)),
            ("up_proj.weight", [3, 2], Values(2, 6)));
    }

    /// <summary>Diagnostic lines of a build, each once, without the project suffix MSBuild appends.</summary>
    private static string[] Diagnostics(string output, string id) =>
        output.Split('\n')
            .Where(l => l.Contains($" {id}: ", StringComparison.Ordinal))
            .Select(l => Regex.Replace(l.Trim(), @" \[[^\]]*\.csproj\]$", ""))
            .Distinct(StringComparer.Ordinal)
            .ToArray();

    [Fact]
    public void Build_reports_a_renamed_field_then_the_fixed_model_loads_the_checkpoint()
    {
        WriteCheckpoint();
        string broken = Model("upper_proj");
        _project.WriteSource("Models.cs", broken);
        _project.WriteSource("Program.cs", Program);
        _project.WriteProjectFile("weights/model.safetensors", ModelName);
        var (line, column) = FieldLocation(broken, "upper_proj");

        // 1. Against the .safetensors file: errors under the default key policy, as the load would refuse both keys.
        ProcessResult first = ChildProcess.Build(_project.Directory, BuildTimeout);

        Assert.True(first.ExitCode != 0, first.Output);
        string[] unmapped = Diagnostics(first.Output, "MG0006");
        string[] missing = Diagnostics(first.Output, "MG0007");
        Assert.Single(unmapped);
        Assert.Single(missing);
        // The unmapped key is reported at its line in the manifest the build wrote from the header (line 1 is a comment).
        Assert.Matches(
            @"[/\\]obj[/\\]Debug[/\\]net10\.0[/\\]modelgen[/\\]model\.safetensors\.manifest\(4,1\): error MG0006: Checkpoint key 'up_proj\.weight' is not taken by any parameter or buffer of 'Demo\.TinyMlp'",
            unmapped[0]);
        Assert.Equal("up_proj.weight F32 [3,2]", File.ReadAllLines(_project.BuildManifestPath("model.safetensors"))[3]);
        // The parameter the checkpoint lacks is reported at the renamed field.
        Assert.Contains($"Models.cs({line},{column}): error MG0007: 'upper_proj.weight' (parameter) is not in the checkpoint", missing[0], StringComparison.Ordinal);
        Assert.DoesNotContain("warning CS", first.Output, StringComparison.Ordinal);
        // The guide shows exactly these two lines (paths shortened).
        string[] shown = GuideDiagnostics();
        Assert.Equal(2, shown.Length);
        Assert.EndsWith(shown[0], unmapped[0], StringComparison.Ordinal);
        Assert.EndsWith(shown[1], missing[0], StringComparison.Ordinal);

        // 2. Against the committed manifest (the one the build wrote), strict: the same findings, now errors.
        File.Copy(_project.BuildManifestPath("model.safetensors"), _project.PathOf("checkpoint.manifest"));
        _project.WriteProjectFile("checkpoint.manifest", ModelName);

        ProcessResult strict = ChildProcess.Build(_project.Directory, BuildTimeout, "-p:ModelGenStrict=true");

        Assert.True(strict.ExitCode != 0, strict.Output);
        Assert.Matches(@"[/\\]checkpoint\.manifest\(4,1\): error MG0006: Checkpoint key 'up_proj\.weight'", Assert.Single(Diagnostics(strict.Output, "MG0006")));
        Assert.Contains($"Models.cs({line},{column}): error MG0007: 'upper_proj.weight'", Assert.Single(Diagnostics(strict.Output, "MG0007")), StringComparison.Ordinal);

        // 3. The field gets the checkpoint's name: a clean strict build, and the program loads the weights.
        _project.WriteSource("Models.cs", Model("up_proj"));

        ProcessResult fixedBuild = ChildProcess.Build(_project.Directory, BuildTimeout, "-p:ModelGenStrict=true");

        Assert.True(fixedBuild.ExitCode == 0, fixedBuild.Output);
        Assert.DoesNotContain("warning", fixedBuild.Output, StringComparison.Ordinal);

        ProcessResult run = ChildProcess.Dotnet(_project.Directory, RunTimeout, _project.ProgramPath, _project.PathOf("weights", "model.safetensors"));

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains(
            "loaded 3 (down_proj.weight,gate_proj.weight,up_proj.weight), initialized 0, backend single, down_proj.weight[1,2] = 1.25, forward [1,2]",
            run.Output, StringComparison.Ordinal);
    }
}
