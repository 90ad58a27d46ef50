namespace ModelGen.SafeTensors;

/// <summary>How tensors are read. The defaults suit a machine with two or more cores and a warm page cache.</summary>
public sealed record SafeTensorsReadOptions
{
    /// <summary>The defaults.</summary>
    public static SafeTensorsReadOptions Default { get; } = new();

    /// <summary>
    /// Number of concurrent positional reads for one large tensor. Copying out of the page cache is bound by
    /// one core's memory bandwidth, so two reads are markedly faster than one. 1 reads on the calling thread only.
    /// </summary>
    public int ParallelReads { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, 2);

    /// <summary>Tensors smaller than this are read with one read: below it, handing work to another thread costs more than it saves.</summary>
    public long ParallelReadThreshold { get; init; } = 16L << 20;

    /// <summary>
    /// Size of the staging buffer for reads that convert the dtype (for example BF16 on disk into a Float32
    /// tensor). The tensor is converted chunk by chunk through it; no full-size copy is made.
    /// </summary>
    public long ConversionChunkBytes { get; init; } = 32L << 20;

    /// <summary>
    /// Whether an index may name files that are symbolic links to regular files outside the checkpoint folder. On by
    /// default: the Hugging Face cache keeps each file of a <c>snapshots/&lt;revision&gt;</c> folder as a link into
    /// the sibling <c>blobs</c> folder. Turn it off (a strict mode) to make every shard's real path stay inside the
    /// folder. Either way, names in the index that are absolute or contain <c>..</c> are refused, and so is
    /// anything (link target or not) that is not a regular file.
    /// </summary>
    public bool AllowLinksOutsideCheckpoint { get; init; } = true;
}
