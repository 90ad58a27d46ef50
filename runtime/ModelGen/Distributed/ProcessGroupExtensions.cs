using ModelGen.SafeTensors;

namespace ModelGen.Distributed;

/// <summary>Conveniences over <see cref="IProcessGroup"/>.</summary>
public static class ProcessGroupExtensions
{
    /// <summary>
    /// Agrees with every rank on whether any failed (see <see cref="IProcessGroup.AgreeOnError"/>) and, if one did,
    /// throws the same exception on every rank: the failing rank's checkpoint error when it was one (see
    /// <see cref="DistributedLoadException.CheckpointFailure"/>), otherwise the <see cref="DistributedLoadException"/>.
    /// The types do not depend on the number of ranks: one process throws what <c>N</c> processes throw.
    /// </summary>
    /// <exception cref="SafeTensorsException">The lowest failing rank failed on a checkpoint error: the same type, rule, file and key on every rank.</exception>
    /// <exception cref="DistributedLoadException">Some rank passed any other failure.</exception>
    public static void ThrowIfAnyRankFailed(this IProcessGroup group, Exception? localFailure)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.AgreeOnError(localFailure) is { } agreed)
            throw (Exception?)agreed.CheckpointFailure ?? agreed;
    }

    /// <summary>
    /// Runs <paramref name="action"/> on this rank, then agrees with every rank on whether any failed; throws the same
    /// exception on every rank if one did, as <see cref="ThrowIfAnyRankFailed"/> does.
    /// </summary>
    /// <exception cref="SafeTensorsException">The action threw a checkpoint error on the lowest failing rank.</exception>
    /// <exception cref="DistributedLoadException">The action threw anything else on some rank.</exception>
    public static void RunAndAgree(this IProcessGroup group, Action action)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(action);
        group.ThrowIfAnyRankFailed(LocalFailure.Of(action));
    }
}
