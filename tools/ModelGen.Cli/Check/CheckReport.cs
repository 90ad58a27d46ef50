namespace ModelGen.Cli.Check;

/// <summary>One mismatch the build would report, with its diagnostic ID and the build's message text.</summary>
/// <param name="Id">The diagnostic ID, for example <c>MG0006</c> (see docs/diagnostics.md).</param>
/// <param name="Message">The message, worded as the build words it.</param>
/// <param name="Key">The checkpoint key concerned (unmapped keys), or <see langword="null"/>.</param>
/// <param name="Pattern">The model key pattern concerned (missing entries, module lists), or <see langword="null"/>.</param>
/// <param name="Suggestion">For an unmapped key: the closest model key, when close enough to be a likely typo.</param>
/// <param name="IsError">
/// Whether the build reports it as an error: what the load would refuse under the model's key policy (MG0006, MG0007
/// under Refuse, MG0013 always); a warning otherwise.
/// </param>
/// <param name="IsInfo">Whether the build reports it as information (MG0026), which does not fail the check.</param>
/// <param name="Location">Where the build reports it, as <c>Models.cs(12,30)</c> (file name, 1-based line and column), when known.</param>
internal sealed record CheckFinding(string Id, string Message, string? Key, string? Pattern, string? Suggestion = null, bool IsError = false,
    bool IsInfo = false, string? Location = null)
{
    /// <summary><c>error</c>, <c>warning</c> or <c>info</c>, as the build prints it.</summary>
    public string Severity => IsError ? "error" : IsInfo ? "info" : "warning";
}

/// <summary>A tied key: shares the storage of <paramref name="TiedTo"/>; the checkpoint may or may not hold a copy.</summary>
internal sealed record TiedKey(string Pattern, string TiedTo, bool InCheckpoint);

/// <summary>A buffer the model computes instead of loading.</summary>
internal sealed record ComputedKey(string Pattern, bool InCheckpoint);

/// <summary>Everything a comparison of a model's key table with a checkpoint's keys found.</summary>
internal sealed record CheckReport(
    string ModelName,
    int ModelPatterns,
    int CheckpointKeys,
    int MappedKeys,
    IReadOnlyList<CheckFinding> Findings,
    IReadOnlyList<string> IgnoredKeys,
    IReadOnlyList<TiedKey> Tied,
    IReadOnlyList<ComputedKey> Computed,
    IReadOnlyList<string> OptionalMissing)
{
    /// <summary>
    /// Why some shapes, list lengths or dtypes (MG0020, MG0022, MG0023) were not compared, or <see langword="null"/> when
    /// every one was: by the build's checks on its shape table, or on the model built on the meta device.
    /// </summary>
    public string? ShapesNotChecked { get; init; }

    /// <summary>The config.json the model was constructed with, or <see langword="null"/> when it needs none.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>True when the build would report no error or warning (information such as MG0026 may remain).</summary>
    public bool IsClean => Findings.All(f => f.IsInfo);
}
