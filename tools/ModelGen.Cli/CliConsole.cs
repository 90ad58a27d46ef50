namespace ModelGen.Cli;

/// <summary>Where a command writes: results to <paramref name="Output"/>, diagnostics and progress to <paramref name="Error"/>.</summary>
/// <param name="Output">Standard output: the table, text report or the one JSON document.</param>
/// <param name="Error">Standard error: errors, warnings and progress.</param>
/// <param name="ErrorIsTerminal">Whether <paramref name="Error"/> is an interactive terminal (redrawn progress bar) or a pipe/file (plain lines).</param>
internal sealed record CliConsole(TextWriter Output, TextWriter Error, bool ErrorIsTerminal);
