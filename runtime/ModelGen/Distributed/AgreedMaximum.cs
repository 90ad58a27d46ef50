namespace ModelGen.Distributed;

/// <summary>
/// An error agreement and a max-reduction of a few numbers in one collective: each rank votes whether it failed (the
/// lowest failing rank's vote is the largest, as in <see cref="ErrorAgreement"/>) next to its numbers. Only a failure
/// costs the full agreement, which every rank then enters alike, so every rank throws the same error. The numbers let
/// ranks learn what one rank knows (the others pass 0) or what each rank knows in its own slot, in the same round.
/// </summary>
internal static class AgreedMaximum
{
    /// <summary>Agrees on <paramref name="localFailure"/> and replaces each of <paramref name="values"/> with its largest value across the ranks.</summary>
    /// <exception cref="Exception">Some rank failed: the agreed error of <see cref="ProcessGroupExtensions.ThrowIfAnyRankFailed"/>, on every rank.</exception>
    public static void Of(IProcessGroup group, Exception? localFailure, Span<long> values)
    {
        // Copied in plain loops: MemoryExtensions.AsSpan over numbers is not precompiled and would be compiled in every fresh process.
        var votes = new long[1 + values.Length];
        votes[0] = ErrorAgreement.Vote(group, localFailure);
        for (int i = 0; i < values.Length; i++) votes[1 + i] = values[i];
        group.AllReduceMax(votes);
        if (votes[0] != 0)
        {
            group.ThrowIfAnyRankFailed(localFailure);
            throw new InvalidOperationException($"rank {group.Size - votes[0]} voted that it failed, but the error agreement that followed found no failure.");
        }
        for (int i = 0; i < values.Length; i++) values[i] = votes[1 + i];
    }
}
