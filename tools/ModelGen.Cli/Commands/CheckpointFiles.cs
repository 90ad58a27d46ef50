using ModelGen.Cli.Output;
using ModelGen.SafeTensors;

namespace ModelGen.Cli.Commands;

/// <summary>
/// Opens the checkpoint a command is given, deciding what is a checkpoint by the rule the build applies to a
/// <c>ModelGenCheckpoint</c> item: a <c>.safetensors</c> file or a <c>*.index.json</c> by name, or a folder holding
/// one. Every command that reads a checkpoint comes through here, so the same file gets the same answer from each:
/// a file of another name is <c>NotACheckpoint</c> before a byte of it is read (a text file, an image or a pickle
/// would otherwise be judged by whatever its first eight bytes say as a header length); a file that has a checkpoint's
/// name is held to the safetensors rules.
/// </summary>
internal static class CheckpointFiles
{
    public const string NotACheckpointRule = "NotACheckpoint";

    /// <summary>Opens <paramref name="path"/> with full validation, refusing a file that is not named as a checkpoint.</summary>
    public static SafeTensorsCheckpoint Open(string path)
    {
        RefuseOtherFiles(path);
        return SafeTensorsCheckpoint.Open(path);
    }

    /// <summary>Throws <see cref="NotACheckpointRule"/> for an existing file whose name is not a checkpoint's.</summary>
    public static void RefuseOtherFiles(string path)
    {
        if (!Directory.Exists(path) && File.Exists(path) && !CheckpointManifest.IsCheckpoint(path))
            throw new CommandFailureException(new CommandFailure(NotACheckpointRule, Path.GetFullPath(path), null,
                "the file is neither a .safetensors file nor a *.index.json, the names the build reads checkpoints by.", ExitCodes.Failed));
    }
}
