using System.Text;

namespace ModelGen.Distributed;

/// <summary>
/// The all-ranks error agreement on top of two collectives every group has: a max-reduction tells every rank
/// whether any failed and which failing rank is lowest, then that rank broadcasts its message.
/// </summary>
internal static class ErrorAgreement
{
    /// <summary>Messages longer than this (in UTF-8 bytes) are cut, so a huge message cannot stall the job.</summary>
    public const int MaxMessageBytes = 64 * 1024;

    public static DistributedLoadException? Agree(IProcessGroup group, Exception? localFailure)
    {
        // Lower ranks map to larger values, so the maximum names the lowest failing rank; 0 means no failure.
        long vote = localFailure is null ? 0 : group.Size - group.Rank;
        long highest = group.AllReduceMax(vote);
        if (highest == 0)
            return null;

        int failingRank = checked((int)(group.Size - highest));
        byte[] sent = failingRank == group.Rank ? Encode(Describe(localFailure!)) : [];
        string message = Encoding.UTF8.GetString(group.BroadcastMessage(sent, failingRank));
        return new DistributedLoadException(failingRank, group.Size, message, failingRank == group.Rank ? localFailure : null);
    }

    /// <summary>How a failure is described to the other ranks: its type and message.</summary>
    public static string Describe(Exception failure) => $"{failure.GetType().FullName}: {failure.Message}";

    private static byte[] Encode(string message)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(message);
        if (bytes.Length <= MaxMessageBytes)
            return bytes;
        // Cut on a character boundary: decoding a prefix and re-encoding drops a split trailing character.
        string cut = Encoding.UTF8.GetString(bytes, 0, MaxMessageBytes).TrimEnd('\uFFFD');
        return Encoding.UTF8.GetBytes(cut + " [...]");
    }
}
