using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using ModelGen.Cli.Commands;

namespace ModelGen.Cli;

/// <summary>The <c>modelgen</c> command tree. Parse errors are reported here so that they exit with <see cref="ExitCodes.Usage"/>.</summary>
internal static class CliApp
{
    public static int Run(string[] args, CliConsole console)
    {
        // A plain command rather than RootCommand, whose name is the executable's (the assembly, not the tool command).
        var root = new Command("modelgen", "Inspect, verify and check safetensors checkpoints for ModelGen models.")
        {
            new HelpOption { Recursive = true },
            new VersionOption(),
            InspectCommand.Create(console),
            ManifestCommand.Create(console),
            VerifyCommand.Create(console),
            CheckCommand.Create(console),
        };
        // Bare `modelgen` shows what `modelgen --help` shows, with the same exit code: it is a request for usage, not a mistake.
        root.SetAction(parse => new HelpAction().Invoke(parse));
        ParseResult parse = root.Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            foreach (var error in parse.Errors)
                console.Error.WriteLine($"modelgen: error: {error.Message}");
            console.Error.WriteLine("Run 'modelgen --help' or 'modelgen COMMAND --help' for usage.");
            return ExitCodes.Usage;
        }
        return parse.Invoke(new InvocationConfiguration { Output = console.Output, Error = console.Error });
    }
}
