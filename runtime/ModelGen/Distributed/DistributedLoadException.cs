using ModelGen.SafeTensors;

namespace ModelGen.Distributed;

/// <summary>
/// At least one rank of the job failed. Every rank receives the same exception (same failing rank, same message),
/// so every rank can stop the same way instead of waiting for a rank that will not come.
/// </summary>
/// <remarks>
/// When the failure was a checkpoint error (a <see cref="SafeTensorsException"/>, possibly wrapped),
/// <see cref="CheckpointFailure"/> holds it rebuilt on every rank, and the loader throws that instead of this
/// exception: see <see cref="ProcessGroupExtensions.ThrowIfAnyRankFailed"/>.
/// </remarks>
public sealed class DistributedLoadException : Exception
{
    /// <summary>Creates the exception agreed on by the ranks.</summary>
    /// <param name="failingRank">The lowest rank that failed.</param>
    /// <param name="worldSize">The number of ranks in the job.</param>
    /// <param name="rankMessage">The failing rank's description of its failure.</param>
    /// <param name="localFailure">This rank's own failure when it is the failing rank; otherwise <see langword="null"/>.</param>
    public DistributedLoadException(int failingRank, int worldSize, string rankMessage, Exception? localFailure = null)
        : base($"Rank {failingRank} of {worldSize} failed: {rankMessage}", localFailure)
    {
        FailingRank = failingRank;
        WorldSize = worldSize;
        RankMessage = rankMessage;
    }

    /// <summary>The lowest rank that failed.</summary>
    public int FailingRank { get; }

    /// <summary>The number of ranks in the job.</summary>
    public int WorldSize { get; }

    /// <summary>The failing rank's description of its failure (exception type and message).</summary>
    public string RankMessage { get; }

    /// <summary>
    /// The checkpoint error behind the failure, when the failing rank's failure was or wrapped a
    /// <see cref="SafeTensorsException"/>: the same exception type, <see cref="SafeTensorsException.Rule"/>, file,
    /// key and detail on every rank, with this exception as its <see cref="Exception.InnerException"/> (which names
    /// the failing rank, and on that rank holds the original). <see langword="null"/> for any other failure.
    /// </summary>
    public SafeTensorsException? CheckpointFailure { get; internal set; }
}
