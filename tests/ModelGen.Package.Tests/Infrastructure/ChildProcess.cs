using System.Diagnostics;

namespace ModelGen.Package.Tests.Infrastructure;

/// <summary>The outcome of a child process: exit code and standard output followed by standard error.</summary>
internal sealed record ProcessResult(int ExitCode, string Output);

/// <summary>Runs <c>dotnet</c> (or a built program, or a bash script) as a child process, bounded by a timeout.</summary>
internal static class ChildProcess
{
    /// <summary>Runs <c>dotnet ARGS</c> in <paramref name="workingDirectory"/>; throws when it outlives <paramref name="timeout"/>.</summary>
    public static ProcessResult Dotnet(string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        Run("dotnet", workingDirectory, timeout, arguments);

    /// <summary>
    /// Runs <paramref name="script"/> with <c>bash -e -o pipefail</c> in <paramref name="workingDirectory"/>, with the
    /// same quiet, server-free <c>dotnet</c> environment plus <paramref name="environment"/>.
    /// </summary>
    public static ProcessResult Bash(string workingDirectory, TimeSpan timeout, string script, IReadOnlyDictionary<string, string>? environment = null) =>
        Run("bash", workingDirectory, timeout, ["-e", "-o", "pipefail", "-c", script], environment);

    private static ProcessResult Run(string fileName, string workingDirectory, TimeSpan timeout, string[] arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // No build servers or reusable nodes outlive the test.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        return Run(start, timeout);
    }

    /// <summary><c>dotnet build</c> without build servers, so that nothing the test started keeps running.</summary>
    public static ProcessResult Build(string workingDirectory, TimeSpan timeout, params string[] extra) =>
        Dotnet(workingDirectory, timeout, ["build", "-nodeReuse:false", "-p:UseSharedCompilation=false", "-clp:NoSummary", .. extra]);

    private static ProcessResult Run(ProcessStartInfo start, TimeSpan timeout)
    {
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"'{start.FileName} {string.Join(' ', start.ArgumentList)}' did not finish within {timeout}:\n{output.Result}{error.Result}");
        }
        process.WaitForExit();
        return new ProcessResult(process.ExitCode, output.Result + error.Result);
    }
}
