namespace ModelGen.Mapping;

/// <summary>
/// A model's generated checkpoint key table: every key pattern it owns, in the generated deterministic order, the
/// checkpoint keys it deliberately ignores (<see cref="IgnoreCheckpointKeysAttribute"/>), and the key policy the build
/// checked the model with, so that the load does exactly what the build reported.
/// </summary>
public sealed class CheckpointKeyTable
{
    private readonly HashSet<string> _declaredNew;

    /// <summary>A table with no keys and the default policy, for models not produced by the generator.</summary>
    public static CheckpointKeyTable Empty { get; } = new([], []);

    /// <summary>Creates a table. Called by generated code.</summary>
    /// <param name="patterns">Every key pattern of the model.</param>
    /// <param name="ignoredKeys">Globs of checkpoint keys the model does not take.</param>
    /// <param name="missingKeys">The effective <see cref="MissingKeyPolicy"/> (attribute, else MSBuild property, else <c>Refuse</c>).</param>
    /// <param name="unexpectedKeys">The effective <see cref="UnexpectedKeyPolicy"/> (attribute, else MSBuild property, else <c>Refuse</c>).</param>
    public CheckpointKeyTable(
        IReadOnlyList<KeyPattern> patterns,
        IReadOnlyList<string> ignoredKeys,
        MissingKeyPolicy missingKeys = MissingKeyPolicy.Refuse,
        UnexpectedKeyPolicy unexpectedKeys = UnexpectedKeyPolicy.Refuse)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        ArgumentNullException.ThrowIfNull(ignoredKeys);
        // Named values, not Enum.IsDefined, which is compiled in every fresh process for each enum it checks.
        if (missingKeys is not (MissingKeyPolicy.Refuse or MissingKeyPolicy.Initialize)) throw new ArgumentOutOfRangeException(nameof(missingKeys), missingKeys, "not a MissingKeyPolicy");
        if (unexpectedKeys is not (UnexpectedKeyPolicy.Refuse or UnexpectedKeyPolicy.Ignore)) throw new ArgumentOutOfRangeException(nameof(unexpectedKeys), unexpectedKeys, "not an UnexpectedKeyPolicy");
        Patterns = patterns;
        IgnoredKeys = ignoredKeys;
        MissingKeys = missingKeys;
        UnexpectedKeys = unexpectedKeys;
        _declaredNew = new HashSet<string>(patterns.Where(p => p.DeclaredNew).Select(p => p.Pattern), StringComparer.Ordinal);
    }

    /// <summary>Every key pattern of the model.</summary>
    public IReadOnlyList<KeyPattern> Patterns { get; }

    /// <summary>Globs (<see cref="KeyGlob"/>) of checkpoint keys the model does not take.</summary>
    public IReadOnlyList<string> IgnoredKeys { get; }

    /// <summary>What the load does with a tensor the checkpoint lacks that is not declared new (see <see cref="IsDeclaredNew"/>).</summary>
    public MissingKeyPolicy MissingKeys { get; }

    /// <summary>What the load does with a checkpoint key no member takes and no ignore glob matches.</summary>
    public UnexpectedKeyPolicy UnexpectedKeys { get; }

    /// <summary>
    /// The model's shapes as the build evaluated them, in the generator's serialized form, or <see langword="null"/> for
    /// a table made by hand or by a generator before this property existed. Per key pattern: its dimensions as
    /// expressions (constants, symbols with the config.json name they are read from, arithmetic), each with its source
    /// text and position (file name, line, column); per module list: its length. <c>modelgen check</c> runs the build's
    /// own shape, dtype, tie and config checks on it, so it reports what the build reports, word for word. The format
    /// is versioned and private to ModelGen (see docs/cli.md); it is not meant to be read by other code.
    /// </summary>
    public string? ShapeTable { get; init; }

    /// <summary>True when <paramref name="key"/> matches one of <see cref="IgnoredKeys"/>.</summary>
    public bool IsIgnored(string key)
    {
        foreach (string glob in IgnoredKeys)
        {
            if (KeyGlob.IsMatch(glob, key)) return true;
        }
        return false;
    }

    /// <summary>
    /// True when the key pattern <paramref name="pattern"/> (a <see cref="TensorSlot.Pattern"/>) is declared new by the
    /// model (<see cref="KeyPattern.DeclaredNew"/>): a checkpoint that lacks it is never refused.
    /// </summary>
    public bool IsDeclaredNew(string pattern) => _declaredNew.Contains(pattern);
}
