namespace ModelGen.Training;

/// <summary>
/// The bytes one rank handed to the collectives of training, by kind, counted in the training layer around each call
/// (the agreements that precede collectives, a few bytes each, are left out). What goes on the wire is up to the MPI
/// library's algorithms; <see cref="LeastSentBytes"/> is the least any algorithm must send from this rank.
/// </summary>
/// <param name="Ranks">The ranks of the group the collectives ran over.</param>
/// <param name="AllReduceBytes">Bytes of the buffers all-reduced: gradient buckets, presence masks, the clipping norm.</param>
/// <param name="AllGatherBytes">Bytes of the gathered (padded) tensors: N times this rank's shard.</param>
/// <param name="ReduceScatterBytes">Bytes of the reduce-scatter inputs: the full (padded) gradients, N blocks.</param>
public readonly record struct CollectiveTraffic(int Ranks, long AllReduceBytes, long AllGatherBytes, long ReduceScatterBytes)
{
    /// <summary>Everything handed to collectives.</summary>
    public long HandedBytes => AllReduceBytes + AllGatherBytes + ReduceScatterBytes;

    /// <summary>
    /// The least this rank must send: 2(N-1)/N of every all-reduced buffer (a ring's reduce-scatter and all-gather
    /// halves), (N-1)/N of every gathered tensor (its own shard to each other rank) and (N-1)/N of every reduce-scatter
    /// input (the other ranks' blocks). 0 for one process.
    /// </summary>
    public double LeastSentBytes => Ranks <= 1 ? 0 :
        (2.0 * AllReduceBytes + AllGatherBytes + ReduceScatterBytes) * (Ranks - 1) / Ranks;

    /// <summary>What was handed between two readings of the same counter (one step, say).</summary>
    public static CollectiveTraffic operator -(CollectiveTraffic later, CollectiveTraffic earlier) => new(
        later.Ranks, later.AllReduceBytes - earlier.AllReduceBytes, later.AllGatherBytes - earlier.AllGatherBytes,
        later.ReduceScatterBytes - earlier.ReduceScatterBytes);

    /// <summary>The difference of two readings, for languages without operators.</summary>
    public static CollectiveTraffic Subtract(CollectiveTraffic later, CollectiveTraffic earlier) => later - earlier;
}
