using ModelGen.Distributed;
using ModelGen.Distributed.Mpi;
using ModelGen.MultiRank.Tests.Launching;

namespace ModelGen.MultiRank.Tests.Distributed;

/// <summary>MPI is loaded only when a job asks for it, and its absence is explained.</summary>
public class LibraryLoadingTests
{
    [Fact]
    public async Task AProgramStartedWithoutMpirunRunsAloneAndNeverLoadsLibmpi()
    {
        WorkerRun run = await WorkerLauncher.RunAloneAsync(["libraries"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        WorkerEvent libraries = Assert.Single(run.Named("libraries"));
        Assert.Equal(("single", "1", "False"), (libraries["backend"], libraries["size"], libraries["agreedFailure"]));
        Assert.Equal("False", libraries["libmpiMapped"]);
    }

    [Fact]
    public async Task UnderMpirunTheSameProgramLoadsLibmpi()
    {
        // The counterpart of the test above: the /proc/self/maps check does see libmpi when it is there.
        WorkerRun run = await WorkerLauncher.MpiRunAsync(["libraries"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.All(run.Named("libraries"), e => Assert.Equal(("mpi", "3", "True"), (e["backend"], e["size"], e["libmpiMapped"])));
    }

    [Fact]
    public void UnderMpirunWithoutTheLibraryTheErrorSaysWhatToInstall()
    {
        var mpirunVariables = new Dictionary<string, string>
        {
            ["OMPI_COMM_WORLD_SIZE"] = "2",
            ["OMPI_COMM_WORLD_RANK"] = "0",
        };

        var error = Assert.Throws<DllNotFoundException>(
            () => ProcessGroups.FromVariables(mpirunVariables.GetValueOrDefault, "libmpi-not-installed.so.40"));

        Assert.Contains("libmpi-not-installed.so.40", error.Message);
        Assert.Contains("apt-get install openmpi-bin libopenmpi-dev", error.Message);
    }

    [Fact]
    public void AskingForMpiExplicitlyWithoutTheLibrarySaysWhatToInstall()
    {
        var error = Assert.Throws<DllNotFoundException>(() => MpiProcessGroup.Create("libmpi-not-installed.so.40"));

        Assert.Contains("apt-get install openmpi-bin libopenmpi-dev", error.Message);
    }

    [Fact]
    public void ALibraryThatIsNotOpenMpiIsRejectedByName()
    {
        // libz is on every machine these tests run on and exports none of MPI's symbols.
        var error = Assert.Throws<EntryPointNotFoundException>(() => MpiProcessGroup.Create("libz.so.1"));

        Assert.Contains("MPI_Initialized", error.Message);
        Assert.Contains("Open MPI", error.Message);
    }
}
