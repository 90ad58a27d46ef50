namespace ModelGen.Cli.Tests;

/// <summary>The outcome of running the tool in-process: exit code and what it wrote to stdout and stderr.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Runs <c>modelgen</c> with <paramref name="args"/>; stderr counts as a pipe unless <paramref name="terminal"/>.</summary>
    public static CliRun Of(string[] args, bool terminal = false)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = CliApp.Run(args, new CliConsole(output, error, terminal));
        return new CliRun(exit, output.ToString(), error.ToString());
    }

    public static CliRun Of(params string[] args) => Of(args, terminal: false);
}
