namespace ModelGen.Distributed;

/// <summary>
/// At least one rank of the job failed. Every rank receives the same exception (same failing rank, same message),
/// so every rank can stop the same way instead of waiting for a rank that will not come.
/// </summary>
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
}
