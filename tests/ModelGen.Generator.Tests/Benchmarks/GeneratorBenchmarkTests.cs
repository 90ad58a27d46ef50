using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generator.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ModelGen.Generator.Tests.Benchmarks;

/// <summary>
/// Generator cost on the Qwen3-30B-A3B layout with its manifest: one full run (fresh driver) and an unrelated edit
/// (warm driver). Run with: dotnet test --filter Category=Benchmark --logger "console;verbosity=detailed".
/// The assertions are loose bounds (shared, noisy machines); the printed medians are the measurement.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class GeneratorBenchmarkTests(ITestOutputHelper output)
{
    private static TestManifest Manifest() => new("/ckpt/model.safetensors.index.json.manifest", Qwen3MoeLayout.Manifest(), Qwen3MoeLayout.ModelName);

    private static Compilation Compilation() =>
        GeneratorHarness.Compile(("Qwen3Moe.cs", Qwen3MoeLayout.Source), ("Training.cs", Qwen3MoeLayout.UnrelatedSource));

    [Fact]
    public void The_layout_maps_cleanly()
    {
        var result = GeneratorHarness.Run(Compilation(), GeneratorHarness.CreateDriver([Manifest()]));

        Assert.Equal(18_867, Qwen3MoeLayout.KeyCount);
        Assert.Empty(result.Reported);
        Assert.Empty(result.CompilerDiagnostics);
    }

    [Fact]
    public void Full_run_and_unrelated_edit()
    {
        TestManifest manifest = Manifest();
        // Warm up the JIT on a separate driver and compilation.
        GeneratorHarness.CreateDriver([manifest]).RunGenerators(Compilation());

        var full = new List<double>();
        for (int i = 0; i < 7; i++)
        {
            Compilation compilation = Compilation();
            GeneratorDriver driver = GeneratorHarness.CreateDriver([manifest], trackSteps: false);
            var watch = Stopwatch.StartNew();
            driver.RunGenerators(compilation);
            full.Add(watch.Elapsed.TotalMilliseconds);
        }

        Compilation current = Compilation();
        GeneratorDriver warm = GeneratorHarness.CreateDriver([manifest], trackSteps: false).RunGenerators(current);
        var edits = new List<double>();
        for (int i = 0; i < 21; i++)
        {
            SyntaxTree old = current.SyntaxTrees.Single(t => t.FilePath == "Training.cs");
            current = current.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(
                Qwen3MoeLayout.UnrelatedSource.Replace("1000", (1001 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                GeneratorHarness.ParseOptions, "Training.cs"));
            var watch = Stopwatch.StartNew();
            warm = warm.RunGenerators(current);
            edits.Add(watch.Elapsed.TotalMilliseconds);
        }

        // One tracked run for the breakdown of the steps that cost anything.
        var tracked = GeneratorHarness.CreateDriver([manifest]).RunGenerators(Compilation());
        foreach (var (step, runs) in tracked.GetRunResult().Results.Single().TrackedSteps.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            double ms = runs.Sum(r => r.ElapsedTime.TotalMilliseconds);
            if (ms >= 0.5) output.WriteLine($"  full run, step {step}: {ms:F1} ms");
        }
        // The same edits on a tracked driver: how much of an edit is the parse step re-running.
        GeneratorDriver trackedWarm = GeneratorHarness.CreateDriver([manifest]).RunGenerators(current);
        var parses = new List<double>();
        for (int i = 0; i < 11; i++)
        {
            SyntaxTree old = current.SyntaxTrees.Single(t => t.FilePath == "Training.cs");
            current = current.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(
                Qwen3MoeLayout.UnrelatedSource.Replace("1000", (2001 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                GeneratorHarness.ParseOptions, "Training.cs"));
            trackedWarm = trackedWarm.RunGenerators(current);
            parses.Add(trackedWarm.GetRunResult().Results.Single().TrackedSteps[ShardedModelGenerator.Steps.Parsed].Sum(r => r.ElapsedTime.TotalMilliseconds));
        }
        output.WriteLine($"  unrelated edit, parse step alone: median {Median(parses):F2} ms");
        double fullMedian = Median(full), editMedian = Median(edits);
        output.WriteLine($"Qwen3-30B-A3B layout, {Qwen3MoeLayout.KeyCount} checkpoint keys");
        output.WriteLine($"full generator run (fresh driver): median {fullMedian:F1} ms, min {full.Min():F1} ms over {full.Count}");
        output.WriteLine($"unrelated edit (warm driver):      median {editMedian:F2} ms, min {edits.Min():F2} ms over {edits.Count}");
        Assert.InRange(fullMedian, 0, 5000);
        Assert.InRange(editMedian, 0, 500);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
