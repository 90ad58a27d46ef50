using System.Diagnostics;

namespace ModelGen.MultiRank.Tests.Launching;

/// <summary>
/// Starts the worker program, under Open MPI's mpirun or alone, with a time bound: a job still running at the
/// bound is killed with its whole process tree and reported as timed out, so no test can hang.
/// </summary>
public static class WorkerLauncher
{
    public const int Ranks = 3;
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private static readonly string WorkerPath = Path.Combine(AppContext.BaseDirectory, "ModelGen.MultiRank.Worker.dll");

    /// <summary>Variables that would make a worker started alone believe it is part of a job.</summary>
    private static readonly string[] LauncherVariablePrefixes = ["OMPI_", "PMIX_"];

    private static readonly string[] TorchrunVariables = ["RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"];

    /// <summary>
    /// Runs "mpirun -np <paramref name="ranks"/> dotnet worker <paramref name="arguments"/>", with
    /// <paramref name="environment"/> set for mpirun and exported to every rank (<c>-x NAME</c>).
    /// </summary>
    public static Task<WorkerRun> MpiRunAsync(string[] arguments, int ranks = Ranks, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        string mpirun = FindMpirun();
        // As root, Open MPI refuses to start without the first flag; the second lets 3 ranks share 2 cores.
        string[] launcher = ["-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "--allow-run-as-root", "--oversubscribe",
            .. (environment ?? new Dictionary<string, string>()).Keys.SelectMany(name => new[] { "-x", name })];
        return RunAsync(mpirun, [.. launcher, DotnetHost(), WorkerPath, .. arguments], clearLauncherVariables: false, timeout ?? DefaultTimeout, environment: environment);
    }

    /// <summary>
    /// Runs the worker on <paramref name="ranks"/> ranks, the last of them started through
    /// <paramref name="lastRankWrapper"/> (for example <c>unshare --pid --fork</c>: another process namespace), with
    /// extra mpirun options and <paramref name="environment"/> exported to every rank.
    /// </summary>
    public static Task<WorkerRun> MpiRunLastRankWrappedAsync(string[] arguments, int ranks, string[] lastRankWrapper, string[] mpirunOptions,
        IReadOnlyDictionary<string, string> environment, TimeSpan? timeout = null)
    {
        string[] options = ["--allow-run-as-root", "--oversubscribe", .. mpirunOptions, .. environment.Keys.SelectMany(name => new[] { "-x", name })];
        string others = (ranks - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return RunAsync(FindMpirun(),
            [.. options, "-np", others, DotnetHost(), WorkerPath, .. arguments, ":", "-np", "1", .. lastRankWrapper, DotnetHost(), WorkerPath, .. arguments],
            clearLauncherVariables: false, timeout ?? DefaultTimeout, environment: environment);
    }

    /// <summary>
    /// Runs "mpirun -np <paramref name="ranks"/> dotnet worker <paramref name="arguments"/>" until the lines printed so
    /// far satisfy <paramref name="endWhen"/> (or the job exits, or the time bound passes), then kills the job's
    /// process tree: for jobs that cannot end on their own, such as one with a stopped rank.
    /// </summary>
    public static Task<WorkerRun> MpiRunUntilAsync(string[] arguments, Func<IReadOnlyList<WorkerEvent>, bool> endWhen, int ranks = Ranks, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        string[] launcher = ["-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "--allow-run-as-root", "--oversubscribe",
            .. (environment ?? new Dictionary<string, string>()).Keys.SelectMany(name => new[] { "-x", name })];
        return RunAsync(FindMpirun(), [.. launcher, DotnetHost(), WorkerPath, .. arguments], clearLauncherVariables: false, timeout ?? DefaultTimeout, endWhen: endWhen,
            environment: environment);
    }

    /// <summary>Runs the worker as a lone process, with every launcher variable removed from its environment.</summary>
    public static Task<WorkerRun> RunAloneAsync(string[] arguments, TimeSpan? timeout = null) =>
        RunAsync(DotnetHost(), [WorkerPath, .. arguments], clearLauncherVariables: true, timeout ?? DefaultTimeout);

    /// <summary>
    /// Runs another .NET program of the repository (<paramref name="dll"/>): alone when <paramref name="ranks"/> is 0
    /// (launcher variables removed), otherwise under mpirun with that many ranks.
    /// </summary>
    public static Task<WorkerRun> ProgramAsync(string dll, string[] arguments, int ranks, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        if (!File.Exists(dll))
            throw new InvalidOperationException($"The program was not built: {dll}");
        if (ranks == 0)
            return RunAsync(DotnetHost(), [dll, .. arguments], clearLauncherVariables: true, timeout ?? DefaultTimeout, requireWorker: false, environment: environment);
        string[] launcher = ["-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "--allow-run-as-root", "--oversubscribe",
            .. (environment ?? new Dictionary<string, string>()).Keys.SelectMany(name => new[] { "-x", name })];
        return RunAsync(FindMpirun(), [.. launcher, DotnetHost(), dll, .. arguments], clearLauncherVariables: false, timeout ?? DefaultTimeout, requireWorker: false,
            environment: environment);
    }

    /// <summary>The mpirun on PATH; fails with what to install when there is none.</summary>
    public static string FindMpirun() => FindMpirun(Environment.GetEnvironmentVariable("PATH"));

    /// <summary>The mpirun in the directories of <paramref name="path"/>; fails with what to install when there is none.</summary>
    public static string FindMpirun(string? path)
    {
        foreach (string directory in (path ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, "mpirun");
            if (File.Exists(candidate))
                return candidate;
        }
        throw new InvalidOperationException(
            "mpirun was not found on PATH. The multi-rank tests need Open MPI: install it with " +
            "'apt-get install openmpi-bin libopenmpi-dev' (Debian/Ubuntu) and run the tests again.");
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    private static async Task<WorkerRun> RunAsync(string program, string[] arguments, bool clearLauncherVariables, TimeSpan timeout, bool requireWorker = true,
        Func<IReadOnlyList<WorkerEvent>, bool>? endWhen = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        if (requireWorker && !File.Exists(WorkerPath))
            throw new InvalidOperationException($"The worker was not built next to the tests: {WorkerPath}");

        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        if (clearLauncherVariables)
        {
            foreach (string name in start.Environment.Keys.Where(IsLauncherVariable).ToList())
                start.Environment.Remove(name);
        }
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var ended = new TaskCompletionSource();
        Task<string> output = endWhen is null ? process.StandardOutput.ReadToEndAsync() : ReadUntilAsync(process.StandardOutput, endWhen, ended);
        Task<string> error = process.StandardError.ReadToEndAsync();
        bool timedOut = false;
        bool endedByTest = false;
        using (var bound = new CancellationTokenSource(timeout))
        {
            Task exited = process.WaitForExitAsync(bound.Token);
            try
            {
                if (await Task.WhenAny(exited, ended.Task) == ended.Task && !process.HasExited)
                {
                    endedByTest = true;
                    process.Kill(entireProcessTree: true);
                }
                await exited;
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        clock.Stop();
        return new WorkerRun(process.ExitCode, timedOut, clock.Elapsed, await output, await error) { EndedByTest = endedByTest };
    }

    private static async Task<string> ReadUntilAsync(StreamReader reader, Func<IReadOnlyList<WorkerEvent>, bool> endWhen, TaskCompletionSource ended)
    {
        var text = new System.Text.StringBuilder();
        var events = new List<WorkerEvent>();
        while (await reader.ReadLineAsync() is { } line)
        {
            text.Append(line).Append('\n');
            if (WorkerEvent.TryParse(line) is { } parsed)
                events.Add(parsed);
            if (endWhen(events))
                ended.TrySetResult();
        }
        return text.ToString();
    }

    private static bool IsLauncherVariable(string name) =>
        TorchrunVariables.Contains(name, StringComparer.Ordinal) ||
        LauncherVariablePrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal));
}
