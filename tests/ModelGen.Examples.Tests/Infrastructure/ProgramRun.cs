using System.Diagnostics;

namespace ModelGen.Examples.Tests.Infrastructure;

/// <summary>The outcome of a program started by <see cref="ProgramRun.RunAsync"/>.</summary>
public sealed record ProgramRun(int ExitCode, string StandardOutput, string StandardError)
{
    private static readonly string[] LauncherVariablePrefixes = ["OMPI_", "PMIX_"];

    /// <summary>
    /// Runs <paramref name="program"/> with <paramref name="arguments"/> in <paramref name="workingDirectory"/>, alone
    /// (no MPI launcher variables), killing its process tree at <paramref name="timeout"/> so that no test hangs.
    /// </summary>
    public static async Task<ProgramRun> RunAsync(string program, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        foreach (string name in start.Environment.Keys.Where(k => LauncherVariablePrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList())
            start.Environment.Remove(name);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', start.ArgumentList)} ran longer than {timeout}; stderr so far: {await error}");
        }
        return new ProgramRun(process.ExitCode, await output, await error);
    }

    /// <summary>Runs <c>dotnet <paramref name="dll"/></c>.</summary>
    public static Task<ProgramRun> DotnetAsync(string dll, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout)
    {
        if (!File.Exists(dll)) throw new InvalidOperationException($"The program was not built: {dll}");
        return RunAsync(Dotnet, [dll, .. arguments], workingDirectory, timeout);
    }

    /// <summary>The dotnet host that runs the tests.</summary>
    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <inheritdoc />
    public override string ToString() => $"exit code {ExitCode}\n--- stdout\n{StandardOutput}\n--- stderr\n{StandardError}";
}
