namespace ModelGen.Loading;

/// <summary>How tensors that rank 0 read reach the other ranks (see docs/loading.md, "Transports").</summary>
public enum LoadTransport
{
    /// <summary>
    /// <see cref="PeerRead"/> when every rank is on rank 0's machine and may read its memory, otherwise
    /// <see cref="Broadcast"/>. The ranks decide together, with a probe at the start of the load. On several nodes the
    /// bytes cross between nodes by MPI, and each node decides alone how its ranks take them from its leader.
    /// </summary>
    Auto,

    /// <summary>The process group's broadcast: works across machines.</summary>
    Broadcast,

    /// <summary>
    /// Every other rank copies the bytes straight out of rank 0's memory (Linux cross-memory attach), while rank 0
    /// reads the next batch: ranks on one machine only (on several nodes, out of their node leader's memory). When a
    /// rank cannot, the load fails on every rank, naming it.
    /// </summary>
    PeerRead,
}
