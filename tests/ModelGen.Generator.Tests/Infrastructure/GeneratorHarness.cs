using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generator;

namespace ModelGen.Generator.Tests.Infrastructure;

/// <summary>A manifest handed to the generator: its path, content and the model it is declared for.</summary>
internal sealed record TestManifest(string Path, string? Content, string Model);

/// <summary>Compiles sources against .NET, TorchSharp and ModelGen and runs the generator over them, as the compiler would.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);

    private static readonly ImmutableArray<MetadataReference> s_references =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(ModelGen.ShardedModelAttribute).Assembly.Location),
    ];

    public static CSharpCompilation Compile(params (string Path, string Source)[] sources) =>
        CSharpCompilation.Create(
            "UserModels",
            sources.Select(s => CSharpSyntaxTree.ParseText(s.Source, ParseOptions, s.Path)),
            s_references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable)
                // TorchSharp targets net8.0; the SDK silences these unification notes the same way.
                .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
                {
                    ["CS1701"] = ReportDiagnostic.Suppress,
                    ["CS1702"] = ReportDiagnostic.Suppress,
                }));

    public static GeneratorDriver CreateDriver(IEnumerable<TestManifest>? manifests = null, bool strict = false, bool trackSteps = true)
    {
        var list = (manifests ?? []).ToList();
        return CreateDriver(list.Select(m => new InMemoryAdditionalText(m.Path, m.Content)).ToList(), list, strict, trackSteps);
    }

    /// <summary>A driver over the given text instances (kept by the caller, for ReplaceAdditionalText), with the manifests' metadata.</summary>
    public static GeneratorDriver CreateDriver(IReadOnlyList<AdditionalText> texts, IEnumerable<TestManifest> manifests, bool strict = false, bool trackSteps = true)
    {
        var global = ImmutableDictionary<string, string>.Empty;
        if (strict) global = global.Add(ShardedModelGenerator.StrictProperty, "true");
        var perFile = manifests.ToImmutableDictionary(
            m => m.Path,
            m => ImmutableDictionary<string, string>.Empty.Add(ShardedModelGenerator.ModelMetadata, m.Model));
        return CSharpGeneratorDriver.Create(
            [new ShardedModelGenerator().AsSourceGenerator()],
            texts,
            ParseOptions,
            new TestOptionsProvider(global, perFile),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));
    }

    public static GeneratorResult Run(string source, IEnumerable<TestManifest>? manifests = null, bool strict = false) =>
        Run(Compile(("Models.cs", source)), CreateDriver(manifests, strict));

    public static GeneratorResult Run(Compilation compilation, GeneratorDriver driver)
    {
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return new GeneratorResult(driver, output, diagnostics);
    }
}

/// <summary>What one generator run produced. The driver filters generator diagnostics as the compiler does (#pragma, severity options).</summary>
internal sealed record GeneratorResult(GeneratorDriver Driver, Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics)
{
    /// <summary>The diagnostics a build prints: everything not silenced by #pragma.</summary>
    public ImmutableArray<Diagnostic> Reported => [.. GeneratorDiagnostics.Where(d => !d.IsSuppressed)];

    public GeneratorDriverRunResult RunResult => Driver.GetRunResult();

    /// <summary>Errors and warnings of the compilation including generated code.</summary>
    public ImmutableArray<Diagnostic> CompilerDiagnostics =>
        [.. Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning)];

    public IReadOnlyList<(string HintName, string Source)> Sources =>
        RunResult.Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString())).ToList();
}
