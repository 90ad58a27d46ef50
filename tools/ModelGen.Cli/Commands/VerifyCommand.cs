using System.CommandLine;
using System.Globalization;
using ModelGen.Cli.Output;
using ModelGen.Cli.Verify;
using ModelGen.SafeTensors;

namespace ModelGen.Cli.Commands;

/// <summary>
/// <c>modelgen verify PATH [--json]</c>: validates every header and the index, then reads every byte of every tensor
/// to prove the files are whole and readable, showing progress on stderr.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create(CliConsole console)
    {
        Argument<string> path = CommonArguments.CheckpointPath();
        Option<bool> json = CommonArguments.Json();
        var command = new Command("verify", "Validate a checkpoint completely: headers, index agreement, and every tensor's bytes read to the end.") { path, json };
        command.SetAction(parse =>
        {
            bool asJson = parse.GetValue(json);
            return CommandGuard.Run(console, "verify", asJson, () =>
            {
                using SafeTensorsCheckpoint checkpoint = CheckpointFiles.Open(parse.GetValue(path)!);
                IVerifyProgress progress = console.ErrorIsTerminal
                    ? new TerminalProgress(console.Error)
                    : new LineProgress(console.Error);
                VerifyResult result = CheckpointVerifier.Verify(checkpoint, progress);
                if (asJson) WriteJson(console.Output, checkpoint, result);
                else WriteText(console.Output, checkpoint, result);
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    private static void WriteText(TextWriter output, SafeTensorsCheckpoint checkpoint, VerifyResult result)
    {
        output.WriteLine($"OK: {CheckpointLocation.OpenedPath(checkpoint)}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {InspectCommand.Count(result.Tensors)} tensors, {InspectCommand.Count(result.Bytes)} bytes ({ByteSizes.Format(result.Bytes)}) in {result.Files.Count} file{(result.Files.Count == 1 ? "" : "s")}, read in {result.Elapsed.TotalSeconds:0.00} s ({ByteSizes.Rate(result.Bytes, result.Elapsed)})"));
        if (checkpoint.DeclaredTotalSize is long declared && declared != result.Bytes)
            output.WriteLine($"  note: the index declares total_size {InspectCommand.Count(declared)}, the tensors add up to {InspectCommand.Count(result.Bytes)}");
    }

    private static void WriteJson(TextWriter output, SafeTensorsCheckpoint checkpoint, VerifyResult result) =>
        JsonOutput.Write(output, w =>
        {
            w.WriteBoolean("ok", true);
            w.WriteString("path", CheckpointLocation.OpenedPath(checkpoint));
            w.WriteNumber("tensors", result.Tensors);
            w.WriteNumber("bytes", result.Bytes);
            w.WriteNumber("seconds", Math.Round(result.Elapsed.TotalSeconds, 6));
            w.WriteStartArray("files");
            foreach (VerifiedFile file in result.Files)
            {
                w.WriteStartObject();
                w.WriteString("file", CheckpointLocation.RelativeName(checkpoint, file.Path));
                w.WriteNumber("tensors", file.Tensors);
                w.WriteNumber("bytes", file.Bytes);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (checkpoint.DeclaredTotalSize is long declared) w.WriteNumber("declaredTotalSize", declared);
        });
}
