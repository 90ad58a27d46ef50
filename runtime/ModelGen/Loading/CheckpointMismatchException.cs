namespace ModelGen.Loading;

/// <summary>
/// The checkpoint and the model disagree (unmapped keys, missing parameters, shapes, dtypes). Computed from the
/// same checkpoint catalog on every rank, so every rank throws it with the same message before any tensor moves.
/// </summary>
public sealed class CheckpointMismatchException : Exception
{
    /// <summary>Creates the exception from the list of problems found.</summary>
    /// <param name="model">The model type.</param>
    /// <param name="checkpoint">The checkpoint path as given.</param>
    /// <param name="problems">One line per problem, each naming the key.</param>
    /// <param name="missingKeys">Keys the checkpoint lacks that the load refused (<see cref="MissingKeyPolicy.Refuse"/>); none when omitted.</param>
    public CheckpointMismatchException(string model, string checkpoint, IReadOnlyList<string> problems, IReadOnlyList<string>? missingKeys = null)
        : base(Describe(model, checkpoint, problems))
    {
        Model = model;
        Checkpoint = checkpoint;
        Problems = problems;
        MissingKeys = missingKeys ?? [];
    }

    /// <summary>The model type.</summary>
    public string Model { get; }

    /// <summary>The checkpoint path as given.</summary>
    public string Checkpoint { get; }

    /// <summary>One line per problem, each naming the key.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>
    /// Every key the checkpoint lacks that the model does not declare new, refused under
    /// <see cref="MissingKeyPolicy.Refuse"/> (all of them are also named in the first line of <see cref="Problems"/>).
    /// </summary>
    public IReadOnlyList<string> MissingKeys { get; }

    private static string Describe(string model, string checkpoint, IReadOnlyList<string> problems)
    {
        const int shown = 20;
        string list = string.Join(Environment.NewLine, problems.Take(shown).Select(p => "  - " + p));
        string more = problems.Count > shown ? $"{Environment.NewLine}  ... and {problems.Count - shown} more" : "";
        return $"Checkpoint '{checkpoint}' does not fit {model} ({problems.Count} problem(s)); nothing was loaded:{Environment.NewLine}{list}{more}";
    }
}
