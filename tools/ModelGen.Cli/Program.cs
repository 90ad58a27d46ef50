namespace ModelGen.Cli;

/// <summary>Process entry: the real console, with the progress bar only when stderr is a terminal.</summary>
internal static class Program
{
    internal static int Main(string[] args) =>
        CliApp.Run(args, new CliConsole(Console.Out, Console.Error, ErrorIsTerminal: !Console.IsErrorRedirected));
}
