using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generator.Tests.Infrastructure;
using Steps = ModelGen.Generator.ShardedModelGenerator.Steps;

namespace ModelGen.Generator.Tests.Incrementality;

/// <summary>The shape steps cache: an unrelated edit re-runs none of them; a config.json edit re-runs the checks but not the shape table.</summary>
public sealed class ShapeIncrementalityTests
{
    private const string Source = """
        using System.Text.Json.Serialization;
        using ModelGen;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;
        namespace Demo;
        public sealed class Config { [JsonPropertyName("hidden_size")] public int Hidden { get; init; } }
        [ShardedModel]
        public partial class M : nn.Module<Tensor, Tensor>
        {
            private Linear proj;
            public M(Config config) : base("M") { proj = nn.Linear(config.Hidden, 3, hasBias: false); RegisterComponents(); }
            public override Tensor forward(Tensor x) => x;
        }
        """;

    private const string UnrelatedSource = "namespace Demo; public static class Helper { public static int Answer() => 42; }";

    private static readonly string[] s_shapeSteps = [Steps.ShapeTables, Steps.Configs, Steps.ShapeInputs, Steps.ShapeDiagnostics];

    private static readonly TestManifest s_manifest = new("/ckpt/m.manifest", "proj.weight F32 [3,8]\n", "Demo.M");
    private static readonly TestConfig s_config = new("/ckpt/config.json", "{\"hidden_size\": 8}", "Demo.M");

    private static (Compilation Compilation, GeneratorDriver Driver, AdditionalText Config) FirstRun()
    {
        Compilation compilation = GeneratorHarness.Compile(("M.cs", Source), ("Helper.cs", UnrelatedSource));
        AdditionalText config = new InMemoryAdditionalText(s_config.Path, s_config.Content);
        GeneratorDriver driver = ShapeHarness.CreateDriver([new InMemoryAdditionalText(s_manifest.Path, s_manifest.Content), config], [s_manifest], [s_config])
            .RunGenerators(compilation);
        Assert.Empty(driver.GetRunResult().Diagnostics);
        return (compilation, driver, config);
    }

    private static List<(string Step, IncrementalStepRunReason Reason)> Reasons(GeneratorDriver driver)
    {
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        return [.. s_shapeSteps
            .Where(result.TrackedSteps.ContainsKey)
            .SelectMany(step => result.TrackedSteps[step].SelectMany(run => run.Outputs.Select(o => (step, o.Reason))))];
    }

    private static bool Reused(IncrementalStepRunReason reason) => reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged;

    [Fact]
    public void An_unrelated_edit_leaves_the_shape_steps_cached()
    {
        var (compilation, driver, _) = FirstRun();
        SyntaxTree helper = compilation.SyntaxTrees.Single(t => t.FilePath == "Helper.cs");

        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(helper,
            CSharpSyntaxTree.ParseText(UnrelatedSource.Replace("42", "43"), GeneratorHarness.ParseOptions, "Helper.cs")));

        var reasons = Reasons(driver);
        Assert.Equal(s_shapeSteps.Length, reasons.Select(r => r.Step).Distinct().Count());
        Assert.All(reasons, r => Assert.True(Reused(r.Reason), $"{r.Step} was {r.Reason}"));
    }

    /// <summary>The generated model source holding the key table and its serialized shape table.</summary>
    private static string ModelSource(GeneratorDriver driver) =>
        driver.GetRunResult().Results.Single().GeneratedSources.Single(s => s.HintName.EndsWith(".ModelGen.Model.g.cs", StringComparison.Ordinal)).SourceText.ToString();

    [Fact]
    public void The_emitted_shape_table_is_deterministic_and_unchanged_by_an_unrelated_edit()
    {
        var (compilation, driver, _) = FirstRun();
        string first = ModelSource(driver);
        // The symbol, its config.json name and its position (file name only, 0-based line and column) are all written.
        Assert.Contains("ShapeTable = \"{\\\"format\\\":1,", first);
        Assert.Contains("[\\\"Symbol\\\",0,\\\"config.Hidden\\\",\\\"hidden_size\\\",\\\"config.Hidden\\\",[\\\"M.cs\\\",11,59,11,72],[]]", first);
        Assert.Equal(first, ModelSource(FirstRun().Driver));

        SyntaxTree helper = compilation.SyntaxTrees.Single(t => t.FilePath == "Helper.cs");
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(helper,
            CSharpSyntaxTree.ParseText(UnrelatedSource.Replace("42", "43"), GeneratorHarness.ParseOptions, "Helper.cs")));

        Assert.Equal(first, ModelSource(driver));
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.All(result.TrackedSteps[Steps.ShapeTables].SelectMany(r => r.Outputs), o => Assert.True(Reused(o.Reason), $"{Steps.ShapeTables} was {o.Reason}"));
    }

    [Fact]
    public void A_config_edit_reruns_the_checks_but_not_the_shape_table()
    {
        var (compilation, driver, config) = FirstRun();

        driver = driver.ReplaceAdditionalText(config, new InMemoryAdditionalText(s_config.Path, "{\"hidden_size\": 9}")).RunGenerators(compilation);

        var reasons = Reasons(driver);
        Assert.All(reasons.Where(r => r.Step == Steps.ShapeTables), r => Assert.True(Reused(r.Reason), $"{r.Step} was {r.Reason}"));
        Assert.Contains(reasons, r => r.Step == Steps.ShapeDiagnostics && r.Reason == IncrementalStepRunReason.Modified);
        Diagnostic d = Assert.Single(driver.GetRunResult().Diagnostics);
        Assert.Equal("MG0020", d.Id);
    }
}
