using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Emitting;
using ModelGen.Generator.Manifest;
using ModelGen.Generator.Mapping;
using ModelGen.Generator.Parsing;

namespace ModelGen.Generator;

/// <summary>
/// Emits, for every [ShardedModel] class, its checkpoint key table and loading glue, and compares the model with
/// the checkpoint manifests declared for it. Pipeline: Parsing (symbols to equatable specs) -> Manifest
/// (AdditionalFiles to key lists) -> Mapping (key table, checkpoint comparison) -> Emitting.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ShardedModelGenerator : IIncrementalGenerator
{
    /// <summary>AdditionalFiles metadata naming the model a manifest is declared for.</summary>
    public const string ModelMetadata = "build_metadata.AdditionalFiles.ModelGenModel";

    /// <summary>AdditionalFiles metadata telling a model's config.json (<c>config</c>) from a checkpoint manifest (absent or <c>manifest</c>).</summary>
    public const string KindMetadata = "build_metadata.AdditionalFiles.ModelGenKind";

    /// <summary>The <see cref="KindMetadata"/> value of a model's config.json.</summary>
    public const string ConfigKind = "config";

    /// <summary>MSBuild property that turns every checkpoint mismatch into an error.</summary>
    public const string StrictProperty = "build_property.ModelGenStrict";

    /// <summary>MSBuild property with the project's default <c>MissingKeyPolicy</c> (<c>Refuse</c> or <c>Initialize</c>).</summary>
    public const string MissingKeysProperty = "build_property." + KeyPolicyDefaults.MissingKeysProperty;

    /// <summary>MSBuild property with the project's default <c>UnexpectedKeyPolicy</c> (<c>Refuse</c> or <c>Ignore</c>).</summary>
    public const string UnexpectedKeysProperty = "build_property." + KeyPolicyDefaults.UnexpectedKeysProperty;

    /// <summary>MSBuild property with the help link template of every diagnostic (see <see cref="Descriptors.HelpLink"/>).</summary>
    public const string HelpLinkProperty = "build_property." + Descriptors.HelpLinkProperty;

    /// <summary>Tracking names of the pipeline steps, for incrementality tests.</summary>
    public static class Steps
    {
        public const string Parsed = nameof(Parsed);
        public const string Models = nameof(Models);
        public const string KeyTables = nameof(KeyTables);
        public const string ModuleTypes = nameof(ModuleTypes);
        public const string Manifests = nameof(Manifests);
        public const string Strict = nameof(Strict);
        public const string KeyPolicyDefaults = nameof(KeyPolicyDefaults);
        public const string HelpLink = nameof(HelpLink);
        public const string MappingInputs = nameof(MappingInputs);
        public const string MappingDiagnostics = nameof(MappingDiagnostics);
        public const string OrphanManifests = nameof(OrphanManifests);
        public const string Diagnostics = nameof(Diagnostics);
        public const string ShapeTables = nameof(ShapeTables);
        public const string Configs = nameof(Configs);
        public const string ShapeInputs = nameof(ShapeInputs);
        public const string ShapeDiagnostics = nameof(ShapeDiagnostics);
    }

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(WellKnownTypes.ShardedModelAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => ModelParser.Parse(ctx, ct))
            .WithTrackingName(Steps.Parsed);

        IncrementalValuesProvider<ModelSpec> models = parsed
            .Where(static r => r.Model is not null)
            .Select(static (r, _) => r.Model!)
            .WithTrackingName(Steps.Models);

        // The project's key policy (MSBuild) under each model's own (attribute): the table carries the effective one,
        // which the matcher reports by and the emitter writes for the loader.
        IncrementalValueProvider<KeyPolicyDefaults> policyDefaults = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => KeyPolicyDefaults.Read(options.GlobalOptions))
            .WithTrackingName(Steps.KeyPolicyDefaults);

        IncrementalValuesProvider<ModelAndTable> tables = models
            .Combine(policyDefaults)
            .Select(static (x, _) => new ModelAndTable(x.Left, KeyTableBuilder.Build(x.Left) with { Policy = KeyPolicy.Effective(x.Left.Policy, x.Right) }))
            .WithTrackingName(Steps.KeyTables);

        IncrementalValuesProvider<ModuleTypeSpec> moduleTypes = models
            .SelectMany(static (m, _) => m.ModuleTypes)
            .Collect()
            .SelectMany(static (all, _) => Distinct(all))
            .WithTrackingName(Steps.ModuleTypes);

        context.RegisterSourceOutput(moduleTypes, static (spc, type) =>
            spc.AddSource(ModuleGlueEmitter.HintName(type), ModuleGlueEmitter.Emit(type)));
        // One shape table per model, emitted with the key table (for `modelgen check`) and compared with the checkpoints.
        IncrementalValuesProvider<ModelTableAndShapes> shapeTables = tables
            .Select(static (x, _) => new ModelTableAndShapes(x.Model, x.Table, ShapeTableBuilder.Build(x.Model)))
            .WithTrackingName(Steps.ShapeTables);

        context.RegisterSourceOutput(shapeTables, static (spc, x) =>
            spc.AddSource(ModelEmitter.HintName(x.Model), ModelEmitter.Emit(x.Model, x.Table, x.Shapes)));

        IncrementalValueProvider<bool> strict = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => IsTrue(options.GlobalOptions, StrictProperty))
            .WithTrackingName(Steps.Strict);

        IncrementalValuesProvider<ManifestSpec> manifests = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, ct) =>
            {
                AnalyzerConfigOptions options = pair.Right.GetOptions(pair.Left);
                if (!options.TryGetValue(ModelMetadata, out string? model) || string.IsNullOrWhiteSpace(model) || IsConfig(options)) return null;
                return ManifestParser.Parse(pair.Left.Path, model.Trim(), pair.Left.GetText(ct));
            })
            .Where(static m => m is not null)
            .Select(static (m, _) => m!)
            .WithTrackingName(Steps.Manifests);

        IncrementalValueProvider<ImmutableArray<ManifestSpec>> manifestList = manifests.Collect();

        IncrementalValuesProvider<MappingInput> mappingInputs = tables
            .Combine(manifestList)
            .Combine(strict)
            .Select(static (x, _) => new MappingInput(
                x.Left.Left.Table,
                x.Left.Right.Where(m => m.Model == x.Left.Left.Table.ModelName && m.Entries.Count > 0).OrderBy(m => m.Path, StringComparer.Ordinal).ToEquatableArray(),
                x.Right))
            .WithTrackingName(Steps.MappingInputs);

        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> mappingDiagnostics = mappingInputs
            .Select(static (input, _) => input.Manifests
                .SelectMany(m => CheckpointMatcher.Match(input.Table, m, input.Strict))
                .ToEquatableArray())
            .WithTrackingName(Steps.MappingDiagnostics);

        IncrementalValueProvider<EquatableArray<DiagnosticInfo>> orphans = manifestList
            .Combine(parsed.Select(static (r, _) => r.MetadataName).Collect())
            .Combine(strict)
            .Select(static (x, _) => x.Left.Left
                .Where(m => !x.Left.Right.Contains(m.Model, StringComparer.Ordinal))
                .OrderBy(m => m.Path, StringComparer.Ordinal)
                .Select(m => DiagnosticInfo.Create(Descriptors.ManifestModelNotFound, LocationInfo.InFile(m.Path, default, default), m.Path, m.Model)
                    .Escalated(x.Right))
                .ToEquatableArray())
            .WithTrackingName(Steps.OrphanManifests);

        IncrementalValueProvider<EquatableArray<DiagnosticInfo>> shapeDiagnostics = ShapeChecks(context, shapeTables, manifestList, strict);

        IncrementalValueProvider<EquatableArray<DiagnosticInfo>> diagnostics = parsed.Select(static (r, _) => r.Diagnostics).Collect()
            .Combine(tables.Select(static (t, _) => t.Table.Diagnostics).Collect())
            .Combine(manifests.Select(static (m, _) => m.Diagnostics).Collect())
            .Combine(mappingDiagnostics.Collect().Combine(shapeDiagnostics).Select(static (x, _) => x.Left.Add(x.Right)))
            .Combine(orphans)
            .Combine(policyDefaults.Select(static (d, _) => d.Diagnostics))
            .Select(static (x, _) => x.Left.Left.Left.Left.Left
                .Concat(x.Left.Left.Left.Left.Right)
                .Concat(x.Left.Left.Left.Right)
                .Concat(x.Left.Left.Right)
                .SelectMany(a => a)
                .Concat(x.Left.Right)
                .Concat(x.Right)
                .Distinct()
                .ToEquatableArray())
            .WithTrackingName(Steps.Diagnostics);

        IncrementalValueProvider<string?> helpLink = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue(HelpLinkProperty, out string? value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null)
            .WithTrackingName(Steps.HelpLink);

        // Source locations must be real tree locations for #pragma and .editorconfig sections to apply, so the
        // trees are looked up here, at the very end, and never held by a pipeline model.
        context.RegisterSourceOutput(diagnostics.Combine(helpLink).Combine(context.CompilationProvider), static (spc, x) => Report(spc, x.Left.Left, x.Left.Right, x.Right));
    }

    /// <summary>
    /// Shapes, dtypes, ties and config.json: each model's key table and shape table against its manifests and its
    /// config (AdditionalFiles with <see cref="KindMetadata"/> = <see cref="ConfigKind"/>).
    /// </summary>
    private static IncrementalValueProvider<EquatableArray<DiagnosticInfo>> ShapeChecks(IncrementalGeneratorInitializationContext context,
        IncrementalValuesProvider<ModelTableAndShapes> shapeTables, IncrementalValueProvider<ImmutableArray<ManifestSpec>> manifests, IncrementalValueProvider<bool> strict)
    {

        IncrementalValueProvider<ImmutableArray<ConfigSpec>> configs = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, ct) =>
            {
                AnalyzerConfigOptions options = pair.Right.GetOptions(pair.Left);
                if (!options.TryGetValue(ModelMetadata, out string? model) || string.IsNullOrWhiteSpace(model) || !IsConfig(options)) return null;
                return ConfigParser.Parse(pair.Left.Path, model.Trim(), pair.Left.GetText(ct));
            })
            .Where(static c => c is not null)
            .Select(static (c, _) => c!)
            .WithTrackingName(Steps.Configs)
            .Collect();

        return shapeTables
            .Combine(manifests)
            .Combine(configs)
            .Combine(strict)
            .Select(static (x, _) =>
            {
                string model = x.Left.Left.Left.Table.ModelName;
                return new ShapeInput(
                    x.Left.Left.Left.Table,
                    x.Left.Left.Left.Shapes,
                    x.Left.Left.Right.Where(m => m.Model == model && m.Entries.Count > 0).OrderBy(m => m.Path, StringComparer.Ordinal).ToEquatableArray(),
                    x.Left.Right.Where(c => c.Model == model && c.Diagnostics.Count == 0).OrderBy(c => c.Path, StringComparer.Ordinal).FirstOrDefault(),
                    x.Right);
            })
            .WithTrackingName(Steps.ShapeInputs)
            .Select(static (input, _) => CheckpointShapes.Check(input))
            .WithTrackingName(Steps.ShapeDiagnostics)
            .Collect()
            .Combine(configs)
            .Select(static (x, _) => x.Left.SelectMany(d => d).Concat(x.Right.SelectMany(c => c.Diagnostics)).ToEquatableArray());
    }

    private static bool IsConfig(AnalyzerConfigOptions options) =>
        options.TryGetValue(KindMetadata, out string? kind) && string.Equals(kind?.Trim(), ConfigKind, StringComparison.OrdinalIgnoreCase);

    private static void Report(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics, string? helpLink, Compilation compilation)
    {
        if (diagnostics.Count == 0) return;
        Dictionary<string, SyntaxTree>? trees = null;
        foreach (DiagnosticInfo diagnostic in diagnostics)
        {
            Location location = Location.None;
            if (diagnostic.Location is { } info)
            {
                if (info.InSource)
                {
                    trees ??= compilation.SyntaxTrees.GroupBy(t => t.FilePath, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
                    location = trees.TryGetValue(info.FilePath, out SyntaxTree? tree) && info.Span.End <= tree.Length
                        ? Location.Create(tree, info.Span)
                        : Location.Create(info.FilePath, info.Span, info.LineSpan);
                }
                else
                {
                    location = Location.Create(info.FilePath, info.Span, info.LineSpan);
                }
            }
            context.ReportDiagnostic(diagnostic.ToDiagnostic(location, helpLink));
        }
    }

    private static IEnumerable<ModuleTypeSpec> Distinct(ImmutableArray<ModuleTypeSpec> all)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (ModuleTypeSpec type in all.OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            if (seen.Add(type.FullName)) yield return type;
        }
    }

    private static bool IsTrue(AnalyzerConfigOptions options, string key) =>
        options.TryGetValue(key, out string? value) && string.Equals(value?.Trim(), "true", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A parsed model and its flattened key table.</summary>
internal sealed record ModelAndTable(ModelSpec Model, KeyTable Table);

/// <summary>A parsed model, its key table and the shapes of its keys.</summary>
internal sealed record ModelTableAndShapes(ModelSpec Model, KeyTable Table, ShapeTable Shapes);

/// <summary>Everything the checkpoint comparison of one model needs: its key table, its manifests and the strict switch.</summary>
internal sealed record MappingInput(KeyTable Table, EquatableArray<ManifestSpec> Manifests, bool Strict);
