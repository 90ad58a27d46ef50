using System.Globalization;

namespace ModelGen.Distributed;

/// <summary>
/// A collective did not complete within the group's <see cref="IProcessGroup.Timeout"/>, on this rank or on another
/// rank that then told this one. Every live rank throws it, naming the ranks that did not respond (stopped, hung, or
/// busy outside the group's collectives for longer than a short grace period). The group cannot be used afterwards:
/// its collectives throw this exception again at once, and disposing it does not finalize MPI. End the process;
/// <c>mpirun</c> then ends the rest of the job.
/// </summary>
public sealed class DistributedTimeoutException : Exception
{
    /// <summary>Creates the exception for a collective that timed out or was abandoned.</summary>
    /// <param name="rank">The rank that throws.</param>
    /// <param name="worldSize">The number of ranks in the job.</param>
    /// <param name="operation">The collective, for example <c>AllReduceMax</c>.</param>
    /// <param name="collectiveNumber">Its number among this group's collectives, counted alike on every rank.</param>
    /// <param name="timeout">The timeout in force.</param>
    /// <param name="abandonedBy">The rank whose timeout ended the wait: this rank, or the one that told this rank.</param>
    /// <param name="missingRanks">The ranks that did not respond.</param>
    public DistributedTimeoutException(int rank, int worldSize, string operation, long collectiveNumber, TimeSpan timeout, int abandonedBy, IReadOnlyList<int> missingRanks)
        : base(Describe(rank, worldSize, operation, collectiveNumber, timeout, abandonedBy, missingRanks))
    {
        Rank = rank;
        WorldSize = worldSize;
        Operation = operation;
        CollectiveNumber = collectiveNumber;
        Timeout = timeout;
        AbandonedBy = abandonedBy;
        MissingRanks = missingRanks;
    }

    private DistributedTimeoutException(DistributedTimeoutException first, string operation)
        : base($"The process group cannot run {operation}: an earlier collective ended it. {first.Message}", first)
    {
        Rank = first.Rank;
        WorldSize = first.WorldSize;
        Operation = first.Operation;
        CollectiveNumber = first.CollectiveNumber;
        Timeout = first.Timeout;
        AbandonedBy = first.AbandonedBy;
        MissingRanks = first.MissingRanks;
    }

    /// <summary>The rank that throws.</summary>
    public int Rank { get; }

    /// <summary>The number of ranks in the job.</summary>
    public int WorldSize { get; }

    /// <summary>The collective that did not complete.</summary>
    public string Operation { get; }

    /// <summary>Its number among the group's collectives (1 for the first), the same on every rank for the same call.</summary>
    public long CollectiveNumber { get; }

    /// <summary>The timeout in force on this rank.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The rank whose timeout ended the wait: <see cref="Rank"/> itself, or the rank that told this one.</summary>
    public int AbandonedBy { get; }

    /// <summary>The ranks that did not respond, in ascending order; empty when every rank did (the ranks then called different collectives, or one took longer than the timeout).</summary>
    public IReadOnlyList<int> MissingRanks { get; }

    /// <summary>The same failure, thrown by a later call on the group it ended.</summary>
    internal DistributedTimeoutException Again(string operation) => new(this, operation);

    private static string Describe(int rank, int worldSize, string operation, long number, TimeSpan timeout, int abandonedBy, IReadOnlyList<int> missing)
    {
        string why = abandonedBy == rank
            ? $"did not complete within {Format(timeout)}"
            : $"was abandoned: rank {abandonedBy} stopped waiting after its timeout";
        string who = missing.Count switch
        {
            0 => "every rank responded, so none is stopped: the ranks called different collectives, or one took longer than the timeout",
            1 => $"rank {missing[0]} did not respond (stopped, hung, or busy outside the group's collectives)",
            _ => $"ranks {string.Join(", ", missing)} did not respond (stopped, hung, or busy outside the group's collectives)",
        };
        return $"Rank {rank} of {worldSize}: {operation} (collective #{number.ToString(CultureInfo.InvariantCulture)}) {why}; {who}. " +
            "The process group cannot be used any more: end the process.";
    }

    private static string Format(TimeSpan timeout) =>
        timeout == System.Threading.Timeout.InfiniteTimeSpan ? "no time limit"
        : timeout.TotalSeconds < 120 ? $"{timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s"
        : $"{timeout.TotalMinutes.ToString("0.##", CultureInfo.InvariantCulture)} min";
}
