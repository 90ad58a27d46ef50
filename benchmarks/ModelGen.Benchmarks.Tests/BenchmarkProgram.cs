using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ModelGen.Benchmarks.Tests;

/// <summary>What one start of the benchmark harness printed, and how it ended.</summary>
internal sealed record ProgramRun(int ExitCode, bool TimedOut, string StandardOutput, string StandardError)
{
    /// <summary>The JSON object of each rank's line (text mpirun puts before a line is skipped), in rank order.</summary>
    public JsonElement[] Lines() => StandardOutput.Split('\n')
        .Select(line => line.IndexOf('{', StringComparison.Ordinal) is var start and >= 0 ? line[start..] : "")
        .Where(line => line.Length > 0)
        .Select(line => JsonDocument.Parse(line).RootElement.Clone())
        .OrderBy(line => line.GetProperty("rank").GetInt32())
        .ToArray();

    public override string ToString() => $"exit {ExitCode}{(TimedOut ? " (timed out)" : "")}\n{StandardOutput}\n{StandardError}";
}

/// <summary>
/// Starts the benchmark harness from its own build output, alone (every launcher variable removed) or under Open MPI's
/// mpirun, with a time bound past which the job is killed with its process tree.
/// </summary>
internal static class BenchmarkProgram
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    /// <summary>The harness in the configuration and framework these tests were built in.</summary>
    private static string Dll()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        DirectoryInfo benchmarks = testBin.Parent!.Parent!.Parent!.Parent!;
        return Path.Combine(benchmarks.FullName, "ModelGen.Benchmarks", "bin", testBin.Parent!.Name, testBin.Name, "ModelGen.Benchmarks.dll");
    }

    public static async Task<ProgramRun> RunAsync(int ranks, params string[] arguments)
    {
        string dll = Dll();
        if (!File.Exists(dll)) throw new InvalidOperationException($"The benchmark harness was not built: {dll}");
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(ranks == 0 ? dotnet : "mpirun")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (ranks > 0)
        {
            // As root, Open MPI refuses to start without the first flag; the second lets the ranks share 2 cores.
            foreach (string flag in new[] { "-np", ranks.ToString(CultureInfo.InvariantCulture), "--allow-run-as-root", "--oversubscribe", dotnet })
                start.ArgumentList.Add(flag);
        }
        else
        {
            foreach (string name in start.Environment.Keys.Where(n => n.StartsWith("OMPI_", StringComparison.Ordinal) || n.StartsWith("PMIX_", StringComparison.Ordinal)).ToList())
                start.Environment.Remove(name);
        }
        start.ArgumentList.Add(dll);
        foreach (string argument in arguments) start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        bool timedOut = false;
        using (var bound = new CancellationTokenSource(Bound))
        {
            try
            {
                await process.WaitForExitAsync(bound.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        return new ProgramRun(process.ExitCode, timedOut, await output, await error);
    }
}
