namespace ModelGen.Distributed;

/// <summary>
/// Splits a byte range into pieces a collective with an <c>int</c> count can move (MPI counts are 32-bit, so a
/// single call carries less than 2 GiB). Every rank computes the same pieces from the same length.
/// </summary>
internal static class BroadcastChunks
{
    /// <summary>The largest piece by default: 1 GiB, a power of two below MPI's <c>int</c> count limit.</summary>
    public const int DefaultMaxChunkBytes = 1 << 30;

    /// <summary>The (offset, length) pieces covering [0, <paramref name="totalBytes"/>) in order.</summary>
    public static IEnumerable<(long Offset, int Length)> Plan(long totalBytes, int maxChunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(totalBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxChunkBytes);
        return Iterate(totalBytes, maxChunkBytes);

        static IEnumerable<(long, int)> Iterate(long total, int max)
        {
            for (long offset = 0; offset < total; offset += max)
                yield return (offset, (int)Math.Min(max, total - offset));
        }
    }
}
