namespace ModelGen.Loading.Transfer;

/// <summary>
/// The tensor bytes that reached this rank during a load, by how they came: over MPI (and of those, from another
/// node) or copied out of another rank's memory. Control messages (addresses, counts, agreements: a few bytes per
/// batch) are not counted.
/// </summary>
internal sealed class TransferCounts
{
    /// <summary>Bytes received through the process group's collectives.</summary>
    public long OverMpi { get; private set; }

    /// <summary>Of <see cref="OverMpi"/>, the bytes that came from a rank on another node.</summary>
    public long FromOtherNodes { get; private set; }

    /// <summary>Bytes copied out of another rank's memory on this node.</summary>
    public long ByPeerRead { get; private set; }

    /// <summary>Counts <paramref name="bytes"/> received over MPI, from another node when <paramref name="fromOtherNode"/>.</summary>
    public void AddMpi(long bytes, bool fromOtherNode)
    {
        OverMpi += bytes;
        if (fromOtherNode) FromOtherNodes += bytes;
    }

    /// <summary>Counts <paramref name="bytes"/> copied by peer read.</summary>
    public void AddPeerRead(long bytes) => ByPeerRead += bytes;
}
