namespace ModelGen.Distributed;

/// <summary>Where a <see cref="RankInfo"/> came from.</summary>
public enum RankSource
{
    /// <summary>No launcher variables: a single process.</summary>
    None,

    /// <summary>Open MPI's <c>mpirun</c> (<c>OMPI_COMM_WORLD_*</c>).</summary>
    OpenMpi,

    /// <summary>torchrun-style variables (<c>RANK</c>, <c>WORLD_SIZE</c>, <c>LOCAL_RANK</c>, <c>LOCAL_WORLD_SIZE</c>).</summary>
    Torchrun,
}
