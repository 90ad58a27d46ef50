using ModelGen.Cli.Output;

namespace ModelGen.Cli.Check;

/// <summary>The shape, dtype, tie and config findings of a check, what was left unchecked (or null), and the config.json used.</summary>
internal sealed record ShapeOutcome(IReadOnlyList<CheckFinding> Findings, string? NotChecked, string? ConfigPath);

/// <summary>
/// The shape part of <c>modelgen check</c>. A model whose generated key table carries the build's shape table gets the
/// build's own findings (<see cref="BuildShapeFindings"/>, MG0020 to MG0027, word for word); only what the build could
/// not evaluate is checked further on a model built on the meta device (<see cref="ShapeFindings"/>), each key pattern
/// or list once. A model built by a generator without shape tables is checked on the meta device alone, as before.
/// </summary>
internal static class ModelShapeCheck
{
    private const int MaxNamed = 3;

    public static ShapeOutcome Run(LoadedModel model, CheckpointKeySet keys, string checkpointArgument, string? configOption)
    {
        if (model.Keys.ShapeTable is not { } text) return MetaBuilt(model, keys, checkpointArgument, configOption);

        BuildShapes build;
        try
        {
            build = ShapeTableReader.Read(text);
        }
        catch (InvalidDataException e)
        {
            throw new CommandFailureException(new CommandFailure("ShapeTableInvalid", null, model.Name, e.Message + ".", ExitCodes.Failed));
        }
        string? configPath = ModelConstructorResolver.ConfigFile(checkpointArgument, configOption);
        BuildShapeReport fromBuild = BuildShapeFindings.Check(build, model.Keys, keys.Path, configPath);
        // An invalid config.json is the build's MG0027; nothing can be constructed from it.
        if (fromBuild.Findings.Any(f => f.Id == "MG0027"))
            return new(fromBuild.Findings, fromBuild.LeavesUnchecked ? $"config.json is invalid (MG0027), so the model is not built here; {Left(fromBuild)}" : null, configPath);
        // Resolving reads config.json into the model's config class as the model's code does, so a config the model
        // cannot be constructed from (a wrong type, a missing required field) is refused even when nothing is built.
        ModelConstructor constructor = model.Type is null
            ? new(null, "the model's type is not available", null)
            : ModelConstructorResolver.Resolve(model.Type, checkpointArgument, configOption);
        if (!fromBuild.LeavesUnchecked) return new(fromBuild.Findings, null, configPath);

        ModelShapes shapes = model.Type is null ? new(null, constructor.NotChecked) : ModelShapeReader.Read(model.Type, constructor);
        if (shapes.Slots is null) return new(fromBuild.Findings, $"{shapes.NotChecked}; {Left(fromBuild)}", configPath);

        // Only what the build left, and never a key pattern or list the build reported on already (a rank mismatch,
        // for one, is reported by the build even when a dimension of the pattern is not known).
        var reported = new HashSet<(string, string)>(fromBuild.Findings.Where(b => b.Pattern is not null).Select(b => (Kind(b.Id), b.Pattern!)));
        var extra = ShapeFindings.Compare(model.Keys, shapes.Slots, keys.Keys).Where(f => f.Pattern is not null && !reported.Contains((f.Id, f.Pattern)) && f.Id switch
        {
            "MG0020" => fromBuild.UncheckedShapes.Contains(f.Pattern),
            "MG0022" => fromBuild.UncheckedLists.Contains(f.Pattern),
            "MG0023" => fromBuild.UncheckedDTypes.Contains(f.Pattern),
            // Ties depend on key names only: the build's TieChecker already looked at every one.
            _ => false,
        });
        return new([.. fromBuild.Findings, .. extra], null, configPath);
    }

    /// <summary>The finding a build diagnostic stands for: a symbol contradiction (MG0021) is the shape finding of its key.</summary>
    private static string Kind(string id) => id == "MG0021" ? "MG0020" : id;

    /// <summary>The meta-device check alone, for a model whose key table has no shape table.</summary>
    private static ShapeOutcome MetaBuilt(LoadedModel model, CheckpointKeySet keys, string checkpointArgument, string? configOption)
    {
        ModelConstructor constructor = model.Type is null
            ? new(null, "the model's type is not available", null)
            : ModelConstructorResolver.Resolve(model.Type, checkpointArgument, configOption);
        ModelShapes shapes = model.Type is null ? new(null, constructor.NotChecked) : ModelShapeReader.Read(model.Type, constructor);
        return new(ShapeFindings.Compare(model.Keys, shapes.Slots, keys.Keys), shapes.NotChecked, constructor.ConfigPath);
    }

    /// <summary>What the build's checks left to a model built here, named.</summary>
    private static string Left(BuildShapeReport report)
    {
        var parts = new List<string>();
        if (report.UncheckedShapes.Count > 0) parts.Add($"the shapes of {Named(report.UncheckedShapes, "key pattern")}");
        if (report.UncheckedLists.Count > 0) parts.Add($"the lengths of {Named(report.UncheckedLists, "module list")}");
        if (report.UncheckedDTypes.Count > 0) parts.Add($"the dtypes of {Named(report.UncheckedDTypes, "key pattern")}");
        return "the build's own checks ran, but " + string.Join(", ", parts) + " the build could not evaluate are not checked";
    }

    private static string Named(IReadOnlySet<string> items, string noun)
    {
        var sorted = items.Order(StringComparer.Ordinal).ToList();
        string named = string.Join(", ", sorted.Take(MaxNamed).Select(p => $"'{p}'")) + (sorted.Count > MaxNamed ? ", ..." : "");
        return $"{sorted.Count} {noun}{(sorted.Count == 1 ? "" : "s")} ({named})";
    }
}
