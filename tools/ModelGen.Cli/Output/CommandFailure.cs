using System.Text.Json;
using ModelGen.SafeTensors;

namespace ModelGen.Cli.Output;

/// <summary>
/// A reason a command stops: the broken rule (a <see cref="SafeTensorsRule"/> name, or another short code), the
/// file and key concerned, and what was found. Printed to stderr, and as the JSON document with <c>--json</c>.
/// </summary>
internal sealed record CommandFailure(string Rule, string? File, string? Key, string Detail, int ExitCode)
{
    public static CommandFailure From(SafeTensorsException e) => new(e.Rule.ToString(), e.FilePath, e.Key, e.Detail, ExitCodes.Failed);

    public void Report(CliConsole console, string command, bool json)
    {
        console.Error.WriteLine($"modelgen {command}: error: {Rule}: {Detail}");
        if (File is not null) console.Error.WriteLine($"  file: {File}");
        if (Key is not null) console.Error.WriteLine($"  key:  {Key}");
        if (json)
            JsonOutput.Write(console.Output, w =>
            {
                w.WriteBoolean("ok", false);
                WriteError(w);
            });
    }

    private void WriteError(Utf8JsonWriter w)
    {
        w.WriteStartObject("error");
        w.WriteString("rule", Rule);
        w.WriteString("file", File);
        w.WriteString("key", Key);
        w.WriteString("detail", Detail);
        w.WriteEndObject();
    }
}
