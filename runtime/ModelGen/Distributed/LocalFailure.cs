namespace ModelGen.Distributed;

/// <summary>
/// Runs one rank's part of a collective step and hands back its failure instead of unwinding: a rank that threw
/// would skip the agreement the other ranks wait in. Pass the result to <see cref="IProcessGroup.AgreeOnError"/>.
/// </summary>
internal static class LocalFailure
{
    /// <returns>What <paramref name="step"/> threw, or <see langword="null"/> when it succeeded.</returns>
    public static Exception? Of(Action step)
    {
        try
        {
            step();
            return null;
        }
#pragma warning disable CA1031 // The failure is the result: the agreement carries it to every rank.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return e;
        }
    }
}
