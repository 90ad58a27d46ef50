using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Manifest;
using ModelGen.Generator.Mapping;
using ModelGen.Generator.Parsing;
using ModelGen.Mapping;

namespace ModelGen.Cli.Check;

/// <summary>
/// The build's findings of shapes, list lengths, dtypes, ties and config.json (MG0020 to MG0027), and what they leave
/// unchecked: the key patterns whose shape or dtype the build could not evaluate and the module lists whose length it
/// could not, which a model built on the meta device can still check (<see cref="ShapeFindings"/>).
/// </summary>
internal sealed record BuildShapeReport(
    IReadOnlyList<CheckFinding> Findings,
    IReadOnlySet<string> UncheckedShapes,
    IReadOnlySet<string> UncheckedLists,
    IReadOnlySet<string> UncheckedDTypes)
{
    /// <summary>True when the meta-device build could find something the build's checks did not look at.</summary>
    public bool LeavesUnchecked => UncheckedShapes.Count > 0 || UncheckedLists.Count > 0 || UncheckedDTypes.Count > 0;
}

/// <summary>
/// Runs the generator's own checks (CheckpointShapes: ShapeUnifier, ShapeChecker, DtypeChecker, TieChecker,
/// ConfigChecker; ConfigParser for config.json) on the shape table the build wrote into the model, the checkpoint's
/// manifest text as the build step writes it, and the config.json, and words each diagnostic with the generator's own
/// descriptors through Roslyn, so every message is the build's. Severities are those of a build without ModelGenStrict.
/// </summary>
internal static class BuildShapeFindings
{
    public static BuildShapeReport Check(BuildShapes build, CheckpointKeyTable table, string checkpointPath, string? configPath)
    {
        string model = build.Shapes.ModelName;
        // The manifest the build step would write for this checkpoint (the same header reader), or the committed one.
        string text = CheckpointManifest.IsCheckpoint(checkpointPath) ? CheckpointManifest.FromCheckpoint(checkpointPath) : File.ReadAllText(checkpointPath);
        ManifestSpec manifest = ManifestParser.Parse(checkpointPath, model, SourceText.From(text));

        var diagnostics = new List<DiagnosticInfo>();
        ConfigSpec? config = null;
        if (configPath is not null)
        {
            ConfigSpec parsed = ConfigParser.Parse(configPath, model, SourceText.From(File.ReadAllText(configPath)));
            // As the build: an invalid config.json is reported (MG0027) and the checks run without it.
            diagnostics.AddRange(parsed.Diagnostics);
            if (parsed.Diagnostics.Count == 0) config = parsed;
        }
        EquatableArray<ManifestSpec> manifests = manifest.Entries.Count > 0 ? new[] { manifest }.ToEquatableArray() : EquatableArray<ManifestSpec>.Empty;
        diagnostics.InsertRange(0, CheckpointShapes.Check(new ShapeInput(build.Keys, build.Shapes, manifests, config, Strict: false)));

        List<ShapeMatch> matches = ShapeMatch.All(build.Shapes, manifest);
        var patternOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (ShapeMatch match in matches) patternOf.TryAdd(match.Entry.Key, match.Key.Pattern);
        var findings = diagnostics.Select(d => Finding(d, patternOf)).ToList();
        var (shapes, lists, dtypes) = Unchecked(build, table, matches, config);
        return new BuildShapeReport(findings, shapes, lists, dtypes);
    }

    /// <summary>A diagnostic as the build reports it: the generator's descriptor formats the message.</summary>
    private static CheckFinding Finding(DiagnosticInfo info, Dictionary<string, string> patternOf)
    {
        Diagnostic diagnostic = info.ToDiagnostic(Microsoft.CodeAnalysis.Location.None);
        string first = info.Arguments.Count > 0 ? info.Arguments[0] : "";
        (string? key, string? pattern) = info.Id switch
        {
            "MG0020" or "MG0021" or "MG0023" => (first, patternOf.GetValueOrDefault(first)),
            "MG0022" => (null, first + "." + KeyTableBuilder.ListIndex),
            "MG0024" => (first, first),
            _ => ((string?)null, (string?)null),
        };
        return new CheckFinding(info.Id, diagnostic.GetMessage(CultureInfo.InvariantCulture), key, pattern,
            IsError: diagnostic.Severity == DiagnosticSeverity.Error, IsInfo: diagnostic.Severity == DiagnosticSeverity.Info,
            Location: info.Location is { } at ? ShapeFormat.Where(at) : null);
    }

    /// <summary>
    /// What the build's checks could not look at, by the build's own rule (ShapeChecker: a shape is checked when every
    /// dimension has a value once the symbols are bound): key patterns with unevaluated shapes or unknown dtypes, lists
    /// with unevaluated lengths, and any key pattern or list of the key table the shape table does not hold.
    /// </summary>
    private static (HashSet<string> Shapes, HashSet<string> Lists, HashSet<string> DTypes) Unchecked(
        BuildShapes build, CheckpointKeyTable table, List<ShapeMatch> matches, ConfigSpec? config)
    {
        var skipped = new HashSet<string>(build.Keys.Entries.Select(e => e.Pattern), StringComparer.Ordinal);
        var listCounts = CheckpointShapes.ListCounts(build.Shapes, matches);
        Dictionary<string, SymbolBinding> bindings = ShapeUnifier.Bind(matches.Where(m => !skipped.Contains(m.Key.Pattern)).ToList(), listCounts, config);
        IReadOnlyDictionary<string, long> values = ShapeUnifier.Values(bindings);

        var shapes = new HashSet<string>(StringComparer.Ordinal);
        var dtypes = new HashSet<string>(StringComparer.Ordinal);
        foreach (ShapedKey key in build.Shapes.Keys)
        {
            if (skipped.Contains(key.Pattern)) continue;
            if (key.Unknown is not null || key.Dims.Any(d => DimArithmetic.Value(d, values) is null)) shapes.Add(key.Pattern);
            if (key.DType is null) dtypes.Add(key.Pattern);
        }
        var known = new HashSet<string>(build.Shapes.Keys.Select(k => k.Pattern), StringComparer.Ordinal);
        foreach (KeyPattern pattern in table.Patterns)
        {
            if (known.Contains(pattern.Pattern) || pattern.TiedTo is not null || pattern.Computed) continue;
            shapes.Add(pattern.Pattern);
            dtypes.Add(pattern.Pattern);
        }

        var lists = new HashSet<string>(StringComparer.Ordinal);
        var knownLists = new HashSet<string>(build.Shapes.Lists.Select(l => l.Prefix), StringComparer.Ordinal);
        foreach (ShapedList list in build.Shapes.Lists)
        {
            if (list.Length is not { } length || DimArithmetic.Value(length, values) is null) lists.Add(list.Prefix);
        }
        foreach (ListAnchor anchor in table.Patterns.SelectMany(p => KeyShapes.Anchors(p.Pattern)))
        {
            if (!knownLists.Contains(anchor.Prefix)) lists.Add(anchor.Prefix);
        }
        return (shapes, lists, dtypes);
    }
}
