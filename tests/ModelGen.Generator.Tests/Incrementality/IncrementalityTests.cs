using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generator.Tests.Infrastructure;
using Steps = ModelGen.Generator.ShardedModelGenerator.Steps;

namespace ModelGen.Generator.Tests.Incrementality;

/// <summary>The pipeline caches: unrelated edits re-run nothing, a manifest edit re-runs only its model, and no step holds compilation objects.</summary>
public sealed class IncrementalityTests
{
    private static readonly string[] s_trackedSteps =
    [
        Steps.Parsed, Steps.Models, Steps.KeyTables, Steps.ModuleTypes, Steps.Manifests, Steps.Strict,
        Steps.MappingInputs, Steps.MappingDiagnostics, Steps.OrphanManifests, Steps.Diagnostics,
        Steps.ShapeTables, Steps.Configs, Steps.ShapeInputs, Steps.ShapeDiagnostics,
    ];

    private static string ModelSource(string name) => $$"""
        using ModelGen;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;
        namespace Demo;
        [ShardedModel]
        public partial class {{name}} : nn.Module<Tensor, Tensor>
        {
            private Linear proj = nn.Linear(2, 2);
            private ModuleList<{{name}}Block> layers = new ModuleList<{{name}}Block>();
            public {{name}}() : base("{{name}}") => RegisterComponents();
            public override Tensor forward(Tensor x) => x;
        }
        public partial class {{name}}Block : nn.Module<Tensor, Tensor>
        {
            private LayerNorm norm = nn.LayerNorm(2);
            public {{name}}Block() : base("B") => RegisterComponents();
            public override Tensor forward(Tensor x) => x;
        }
        """;

    private const string UnrelatedSource = "namespace Demo; public static class Helper { public static int Answer() => 42; }";

    private static TestManifest Manifest(string model, string extra = "") =>
        new($"/ckpt/{model}.manifest", $"proj.weight F32 [2,2]\nproj.bias F32 [2]\nlayers.0.norm.weight F32 [2]\nlayers.0.norm.bias F32 [2]\n{extra}", "Demo." + model);

    private static (Compilation Compilation, GeneratorDriver Driver, List<AdditionalText> Texts) FirstRun()
    {
        Compilation compilation = GeneratorHarness.Compile(("A.cs", ModelSource("A")), ("B.cs", ModelSource("B")), ("Helper.cs", UnrelatedSource));
        TestManifest[] manifests = [Manifest("A"), Manifest("B")];
        List<AdditionalText> texts = [.. manifests.Select(m => new InMemoryAdditionalText(m.Path, m.Content))];
        GeneratorDriver driver = GeneratorHarness.CreateDriver(texts, manifests).RunGenerators(compilation);
        return (compilation, driver, texts);
    }

    private static IEnumerable<(string Step, IncrementalStepRunReason Reason, object Value)> Outputs(GeneratorDriver driver)
    {
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        foreach (string step in s_trackedSteps)
        {
            if (!result.TrackedSteps.TryGetValue(step, out var runs)) continue;
            foreach (IncrementalGeneratorRunStep run in runs)
            {
                foreach (var (value, reason) in run.Outputs) yield return (step, reason, value);
            }
        }
    }

    [Fact]
    public void An_unrelated_edit_leaves_every_step_cached_or_unchanged()
    {
        var (compilation, driver, _) = FirstRun();
        SyntaxTree helper = compilation.SyntaxTrees.Single(t => t.FilePath == "Helper.cs");
        Compilation edited = compilation.ReplaceSyntaxTree(helper,
            CSharpSyntaxTree.ParseText(UnrelatedSource.Replace("42", "43"), GeneratorHarness.ParseOptions, "Helper.cs"));

        driver = driver.RunGenerators(edited);

        var outputs = Outputs(driver).ToList();
        Assert.NotEmpty(outputs);
        Assert.Contains(outputs, o => o.Step == Steps.MappingDiagnostics);
        Assert.Contains(outputs, o => o.Step == Steps.ShapeDiagnostics);
        Assert.All(outputs, o => Assert.True(
            o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
            $"{o.Step} was {o.Reason}"));
    }

    [Fact]
    public void Editing_one_manifest_reruns_only_its_model()
    {
        var (compilation, driver, texts) = FirstRun();
        TestManifest edited = Manifest("A", "unexpected.key F32 [1]\n");

        driver = driver.ReplaceAdditionalText(texts[0], new InMemoryAdditionalText(edited.Path, edited.Content));
        driver = driver.RunGenerators(compilation);

        var mapping = Outputs(driver).Where(o => o.Step == Steps.MappingDiagnostics).ToList();
        Assert.Equal(2, mapping.Count);
        Assert.Single(mapping, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Single(mapping, o => o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
        Assert.All(Outputs(driver).Where(o => o.Step is Steps.Parsed or Steps.Models or Steps.KeyTables or Steps.ModuleTypes),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{o.Step} was {o.Reason}"));
        Assert.Contains(driver.GetRunResult().Diagnostics, d => d.Id == "MG0006" && d.GetMessage().Contains("unexpected.key"));
    }

    [Fact]
    public void Editing_a_model_reruns_its_mapping_but_not_the_other_models()
    {
        var (compilation, driver, _) = FirstRun();
        SyntaxTree a = compilation.SyntaxTrees.Single(t => t.FilePath == "A.cs");
        Compilation edited = compilation.ReplaceSyntaxTree(a, CSharpSyntaxTree.ParseText(
            ModelSource("A").Replace("private Linear proj", "private Linear projection"), GeneratorHarness.ParseOptions, "A.cs"));

        driver = driver.RunGenerators(edited);

        var tables = Outputs(driver).Where(o => o.Step == Steps.KeyTables).ToList();
        Assert.Single(tables, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Single(tables, o => o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
        Assert.Contains(driver.GetRunResult().Diagnostics, d => d.Id == "MG0006" && d.GetMessage().Contains("'proj.weight'"));
    }

    [Fact]
    public void No_step_holds_symbols_syntax_or_compilations()
    {
        var (_, driver, _) = FirstRun();

        var outputs = Outputs(driver).ToList();
        Assert.Contains(outputs, o => o.Step == Steps.Models);
        foreach (var (step, _, value) in outputs)
        {
            string? offender = FindForbidden(value, new HashSet<object>(ReferenceEqualityComparer.Instance), step);
            Assert.True(offender is null, offender);
        }
    }

    private static string? FindForbidden(object? value, HashSet<object> visited, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return null;
        if (value is ISymbol or SyntaxNode or Compilation or SemanticModel or SyntaxTree)
            return $"{path} holds a {value.GetType().Name}";
        if (value is Location { SourceTree: not null }) return $"{path} holds a source Location";
        if (!value.GetType().IsValueType && !visited.Add(value)) return null;
        if (value is IEnumerable sequence)
        {
            int index = 0;
            foreach (object? item in sequence)
            {
                string? found = FindForbidden(item, visited, $"{path}[{index++}]");
                if (found is not null) return found;
            }
            return null;
        }
        for (Type? type = value.GetType(); type is not null && type != typeof(object); type = type.BaseType)
        {
            foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                string? found = FindForbidden(field.GetValue(value), visited, $"{path}.{field.Name}");
                if (found is not null) return found;
            }
        }
        return null;
    }
}
