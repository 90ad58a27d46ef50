using System.Diagnostics;

namespace ModelGen.Package.Tests.Infrastructure;

/// <summary>The outcome of a child process: exit code and standard output followed by standard error.</summary>
internal sealed record ProcessResult(int ExitCode, string Output);

/// <summary>Runs <c>dotnet</c> (or a built program) as a child process, bounded by a timeout.</summary>
internal static class ChildProcess
{
    /// <summary>Runs <c>dotnet ARGS</c> in <paramref name="workingDirectory"/>; throws when it outlives <paramref name="timeout"/>.</summary>
    public static ProcessResult Dotnet(string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
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
