using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ModelGen.Generator.Tests.Infrastructure;

/// <summary>A config.json handed to the generator: path, content and the model it is declared for (ModelGenKind=config).</summary>
internal sealed record TestConfig(string Path, string? Content, string Model);

/// <summary>Runs the generator with checkpoint manifests and config.json files, with the metadata MSBuild gives them.</summary>
internal static class ShapeHarness
{
    public static GeneratorDriver CreateDriver(IEnumerable<TestManifest> manifests, IEnumerable<TestConfig> configs, bool strict = false)
    {
        var manifestList = manifests.ToList();
        var configList = configs.ToList();
        var texts = manifestList.Select(m => (AdditionalText)new InMemoryAdditionalText(m.Path, m.Content))
            .Concat(configList.Select(c => new InMemoryAdditionalText(c.Path, c.Content)))
            .ToList();
        return CreateDriver(texts, manifestList, configList, strict);
    }

    /// <summary>A driver over the given text instances (kept by the caller, for ReplaceAdditionalText), with the manifests' and configs' metadata.</summary>
    public static GeneratorDriver CreateDriver(IReadOnlyList<AdditionalText> texts, IReadOnlyList<TestManifest> manifestList, IReadOnlyList<TestConfig> configList, bool strict = false)
    {
        var perFile = manifestList.ToDictionary(m => m.Path, m => ImmutableDictionary<string, string>.Empty.Add(ShardedModelGenerator.ModelMetadata, m.Model));
        foreach (TestConfig c in configList)
        {
            perFile[c.Path] = ImmutableDictionary<string, string>.Empty
                .Add(ShardedModelGenerator.ModelMetadata, c.Model)
                .Add(ShardedModelGenerator.KindMetadata, ShardedModelGenerator.ConfigKind);
        }
        var global = strict ? ImmutableDictionary<string, string>.Empty.Add(ShardedModelGenerator.StrictProperty, "true") : ImmutableDictionary<string, string>.Empty;
        return CSharpGeneratorDriver.Create(
            [new ShardedModelGenerator().AsSourceGenerator()],
            texts,
            GeneratorHarness.ParseOptions,
            new TestOptionsProvider(global, perFile.ToImmutableDictionary()),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
    }

    public static GeneratorResult Run(string source, string manifest, string? config = null, string model = "Demo.M", bool strict = false) =>
        GeneratorHarness.Run(GeneratorHarness.Compile(("Models.cs", source)),
            CreateDriver([new TestManifest("/ckpt/m.manifest", manifest, model)],
                config is null ? [] : [new TestConfig("/ckpt/config.json", config, model)], strict));
}
