using System.CommandLine;
using System.Text;
using ModelGen.Cli.Output;
using ModelGen.SafeTensors;

namespace ModelGen.Cli.Commands;

/// <summary>
/// <c>modelgen manifest PATH [-o FILE] [--allow-missing-shards] [--json]</c>: writes the header manifest the build
/// step writes for a <c>ModelGenCheckpoint</c> item (the same source file produces both), for committing beside the
/// project so that the build needs no weights. The checkpoint is validated first unless shards may be missing.
/// </summary>
internal static class ManifestCommand
{
    public static Command Create(CliConsole console)
    {
        Argument<string> path = CommonArguments.CheckpointPath();
        Option<bool> json = CommonArguments.Json();
        var output = new Option<string>("--output", "-o")
        {
            Description = "File to write the manifest to; without it the manifest goes to stdout.",
        };
        var allowMissingShards = new Option<bool>("--allow-missing-shards")
        {
            Description = "Accept an index whose shards are not all present (absent shards give key-only lines, as in the build); skips validation.",
        };
        var command = new Command("manifest", "Write the checkpoint manifest (key, dtype, shape per line) a ModelGen build consumes.")
        {
            path, output, allowMissingShards, json,
        };
        command.SetAction(parse =>
        {
            bool asJson = parse.GetValue(json);
            string? target = parse.GetValue(output);
            if (asJson && target is null)
            {
                console.Error.WriteLine("modelgen manifest: error: --json needs --output (the JSON summary and the manifest cannot share stdout).");
                return ExitCodes.Usage;
            }
            return CommandGuard.Run(console, "manifest", asJson, () =>
                Write(console, parse.GetValue(path)!, target, parse.GetValue(allowMissingShards), asJson));
        });
        return command;
    }

    private static int Write(CliConsole console, string path, string? target, bool allowMissingShards, bool asJson)
    {
        string source = Resolve(path, allowMissingShards);
        string text = CheckpointManifest.FromCheckpoint(source);
        int tensors = text.Split('\n').Count(line => line.Length > 0 && line[0] != '#');
        if (target is null)
        {
            console.Output.Write(text);
            return ExitCodes.Ok;
        }
        File.WriteAllText(target, text, new UTF8Encoding(false));
        if (asJson)
        {
            JsonOutput.Write(console.Output, w =>
            {
                w.WriteBoolean("ok", true);
                w.WriteString("checkpoint", source);
                w.WriteString("manifest", Path.GetFullPath(target));
                w.WriteNumber("tensors", tensors);
            });
        }
        else
        {
            console.Output.WriteLine($"Wrote {target}: {tensors} tensors from {Path.GetFileName(source)}");
        }
        return ExitCodes.Ok;
    }

    /// <summary>The file whose headers the manifest is made of: validated through a full open, unless shards may be missing.</summary>
    private static string Resolve(string path, bool allowMissingShards)
    {
        if (allowMissingShards)
        {
            // Without validation a folder can only mean its conventional index: the shards may be elsewhere.
            string candidate = Directory.Exists(path) ? Path.Combine(path, SafeTensorsCheckpoint.IndexFileName) : path;
            if (File.Exists(candidate) && CheckpointManifest.IsCheckpoint(candidate))
                return Path.GetFullPath(candidate);
        }
        using SafeTensorsCheckpoint checkpoint = CheckpointFiles.Open(path);
        return CheckpointLocation.OpenedPath(checkpoint);
    }
}
