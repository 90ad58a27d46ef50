using ModelGen.Distributed.Mpi;

namespace ModelGen.Distributed;

/// <summary>Opens the process group a program runs in.</summary>
public static class ProcessGroups
{
    private static readonly Lock SharedLock = new();
    private static IProcessGroup? s_shared;

    /// <summary>
    /// The process-wide group the launcher asked for: MPI when the process runs under Open MPI's <c>mpirun</c>
    /// (<c>OMPI_COMM_WORLD_SIZE</c> is set), otherwise this process alone, which loads no MPI library. Every call
    /// returns the same open group (the loader uses it too when <c>LoadOptions.ProcessGroup</c> is not set), so the
    /// group outlives any load and can be asked for again anywhere. An MPI group is finalized once: when the process
    /// exits with code 0 (with another code, mpirun ends the job), or earlier when the program disposes it; after
    /// that, MPI cannot be started again in the process and this method throws.
    /// </summary>
    /// <exception cref="NotSupportedException">A torchrun-style launcher asked for several processes (see <see cref="RankInfo"/>): they cannot be connected without MPI.</exception>
    /// <exception cref="DllNotFoundException">Running under mpirun but Open MPI's library is missing; the message says what to install.</exception>
    /// <exception cref="InvalidOperationException">The process's MPI group was disposed, which finalized MPI.</exception>
    public static IProcessGroup FromEnvironment()
    {
        lock (SharedLock)
        {
            if (s_shared is SingleProcessGroup { IsDisposed: false } or MpiProcessGroup { IsDisposed: false })
                return s_shared;
            s_shared = FromVariables(Environment.GetEnvironmentVariable, MpiApi.DefaultLibraryName);
            return s_shared;
        }
    }

    /// <summary>A new group of this process alone: rank 0 of 1. Needs nothing installed.</summary>
    public static IProcessGroup Single() => new SingleProcessGroup();

    /// <summary>
    /// The process-wide group of the MPI job this process belongs to (rank 0 of 1 when not started by mpirun): the
    /// open one if there is one (the same group <see cref="FromEnvironment"/> returns under mpirun), otherwise a new
    /// one. Finalized at exit or when disposed, like <see cref="FromEnvironment"/>'s.
    /// </summary>
    /// <exception cref="DllNotFoundException">Open MPI's library is missing; the message says what to install.</exception>
    /// <exception cref="InvalidOperationException">The process's MPI group was disposed, which finalized MPI.</exception>
    public static IProcessGroup Mpi() => MpiProcessGroup.OpenOrCreate(MpiApi.DefaultLibraryName);

    /// <summary><see cref="FromEnvironment"/> with the variables and the MPI library name given.</summary>
    internal static IProcessGroup FromVariables(Func<string, string?> lookup, string mpiLibraryName)
    {
        RankInfo launcher = RankInfo.FromVariables(lookup);
        return launcher.Source switch
        {
            RankSource.OpenMpi => MpiProcessGroup.OpenOrCreate(mpiLibraryName),
            RankSource.Torchrun when launcher.Size > 1 => throw new NotSupportedException(
                $"The environment describes {launcher} from a torchrun-style launcher, but ModelGen connects the " +
                "processes of a job through MPI: start the job with 'mpirun -np N <program>' instead."),
            _ => new SingleProcessGroup(),
        };
    }
}
