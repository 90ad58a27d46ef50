namespace ModelGen;

/// <summary>
/// What happens to a checkpoint key no parameter or buffer of the model takes and no
/// <see cref="IgnoreCheckpointKeysAttribute"/> declares. The build and the load follow the same value: the generator
/// writes the effective policy into the model's key table and the loader reads it from there.
/// </summary>
public enum UnexpectedKeyPolicy
{
    /// <summary>
    /// The default. The build reports MG0006 as an error at the manifest line, and the load throws
    /// <see cref="Loading.CheckpointMismatchException"/> on every rank naming the key and its file.
    /// </summary>
    Refuse,

    /// <summary>The build reports MG0006 as a warning; the load skips the key and lists it in <see cref="Loading.LoadReport.IgnoredKeys"/>.</summary>
    Ignore,
}
