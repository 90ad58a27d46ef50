using ModelGen.Distributed.Mpi;

namespace ModelGen.Distributed;

/// <summary>Opens the process group a program runs in.</summary>
public static class ProcessGroups
{
    /// <summary>
    /// The group the launcher asked for: MPI when the process runs under Open MPI's <c>mpirun</c>
    /// (<c>OMPI_COMM_WORLD_SIZE</c> is set), otherwise this process alone, which loads no MPI library.
    /// </summary>
    /// <exception cref="NotSupportedException">A torchrun-style launcher asked for several processes (see <see cref="RankInfo"/>): they cannot be connected without MPI.</exception>
    /// <exception cref="DllNotFoundException">Running under mpirun but Open MPI's library is missing; the message says what to install.</exception>
    public static IProcessGroup FromEnvironment() => FromVariables(Environment.GetEnvironmentVariable, MpiApi.DefaultLibraryName);

    /// <summary>This process alone: rank 0 of 1. Needs nothing installed.</summary>
    public static IProcessGroup Single() => new SingleProcessGroup();

    /// <summary>The ranks of the MPI job this process belongs to (rank 0 of 1 when not started by mpirun).</summary>
    /// <exception cref="DllNotFoundException">Open MPI's library is missing; the message says what to install.</exception>
    public static IProcessGroup Mpi() => MpiProcessGroup.Create();

    /// <summary><see cref="FromEnvironment"/> with the variables and the MPI library name given.</summary>
    internal static IProcessGroup FromVariables(Func<string, string?> lookup, string mpiLibraryName)
    {
        RankInfo launcher = RankInfo.FromVariables(lookup);
        return launcher.Source switch
        {
            RankSource.OpenMpi => MpiProcessGroup.Create(mpiLibraryName),
            RankSource.Torchrun when launcher.Size > 1 => throw new NotSupportedException(
                $"The environment describes {launcher} from a torchrun-style launcher, but ModelGen connects the " +
                "processes of a job through MPI: start the job with 'mpirun -np N <program>' instead."),
            _ => new SingleProcessGroup(),
        };
    }
}
