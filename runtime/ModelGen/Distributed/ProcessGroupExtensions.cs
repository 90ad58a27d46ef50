namespace ModelGen.Distributed;

/// <summary>Conveniences over <see cref="IProcessGroup"/>.</summary>
public static class ProcessGroupExtensions
{
    /// <summary>
    /// Agrees with every rank on whether any failed (see <see cref="IProcessGroup.AgreeOnError"/>) and, if one did,
    /// throws the same <see cref="DistributedLoadException"/> on every rank.
    /// </summary>
    /// <exception cref="DistributedLoadException">Some rank passed a failure.</exception>
    public static void ThrowIfAnyRankFailed(this IProcessGroup group, Exception? localFailure)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.AgreeOnError(localFailure) is { } agreed)
            throw agreed;
    }

    /// <summary>
    /// Runs <paramref name="action"/> on this rank, then agrees with every rank on whether any failed; throws the same
    /// <see cref="DistributedLoadException"/> on every rank if one did.
    /// </summary>
    /// <exception cref="DistributedLoadException">The action threw on some rank.</exception>
    public static void RunAndAgree(this IProcessGroup group, Action action)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(action);
        group.ThrowIfAnyRankFailed(LocalFailure.Of(action));
    }
}
