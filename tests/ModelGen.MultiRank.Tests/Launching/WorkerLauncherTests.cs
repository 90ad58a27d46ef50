namespace ModelGen.MultiRank.Tests.Launching;

/// <summary>The launcher itself: it must fail loudly without Open MPI and never leave a stuck job behind.</summary>
public class WorkerLauncherTests
{
    [Fact]
    public void WithoutMpirunOnThePathTheTestsFailWithWhatToInstall()
    {
        string empty = Directory.CreateTempSubdirectory("no-mpirun-").FullName;
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => WorkerLauncher.FindMpirun(empty));

            Assert.Contains("apt-get install openmpi-bin libopenmpi-dev", error.Message);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    [Fact]
    public async Task AJobStillRunningAtTheTimeBoundIsKilledWithEveryRank()
    {
        string token = Guid.NewGuid().ToString("N");

        WorkerRun run = await WorkerLauncher.MpiRunAsync(["hang", $"token={token}"], timeout: TimeSpan.FromSeconds(5));

        Assert.True(run.TimedOut, run.ToString());
        Assert.Equal(3, run.Named("hanging").Count);
        Assert.Empty(await ProcessesMentioningAsync(token, TimeSpan.FromSeconds(5)));
    }

    /// <summary>Process ids whose command line contains <paramref name="token"/>, after waiting up to <paramref name="grace"/> for them to go.</summary>
    private static async Task<IReadOnlyList<int>> ProcessesMentioningAsync(string token, TimeSpan grace)
    {
        var deadline = DateTime.UtcNow + grace;
        while (true)
        {
            var found = new List<int>();
            foreach (string directory in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(directory), out int pid))
                    continue;
                try
                {
                    if (File.ReadAllText(Path.Combine(directory, "cmdline")).Contains(token, StringComparison.Ordinal))
                        found.Add(pid);
                }
                catch (IOException)
                {
                    // The process ended while being read.
                }
                catch (UnauthorizedAccessException)
                {
                    // Not ours to read.
                }
            }
            if (found.Count == 0 || DateTime.UtcNow > deadline)
                return found;
            await Task.Delay(100);
        }
    }
}
