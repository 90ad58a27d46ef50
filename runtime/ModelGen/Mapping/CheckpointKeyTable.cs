namespace ModelGen.Mapping;

/// <summary>
/// A model's generated checkpoint key table: every key pattern it owns, in the generated deterministic order,
/// and the checkpoint keys it deliberately ignores (<see cref="IgnoreCheckpointKeysAttribute"/>).
/// </summary>
public sealed class CheckpointKeyTable
{
    /// <summary>A table with no keys, for models not produced by the generator.</summary>
    public static CheckpointKeyTable Empty { get; } = new([], []);

    /// <summary>Creates a table. Called by generated code.</summary>
    public CheckpointKeyTable(IReadOnlyList<KeyPattern> patterns, IReadOnlyList<string> ignoredKeys)
    {
        Patterns = patterns;
        IgnoredKeys = ignoredKeys;
    }

    /// <summary>Every key pattern of the model.</summary>
    public IReadOnlyList<KeyPattern> Patterns { get; }

    /// <summary>Globs (<see cref="KeyGlob"/>) of checkpoint keys the model does not take.</summary>
    public IReadOnlyList<string> IgnoredKeys { get; }

    /// <summary>True when <paramref name="key"/> matches one of <see cref="IgnoredKeys"/>.</summary>
    public bool IsIgnored(string key)
    {
        foreach (string glob in IgnoredKeys)
        {
            if (KeyGlob.IsMatch(glob, key)) return true;
        }
        return false;
    }
}
