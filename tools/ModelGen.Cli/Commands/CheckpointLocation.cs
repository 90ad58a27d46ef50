using ModelGen.SafeTensors;

namespace ModelGen.Cli.Commands;

/// <summary>Names for the files of an opened checkpoint, relative to its folder, as they appear in an index.</summary>
internal static class CheckpointLocation
{
    /// <summary>The file that was actually opened: the index, or the single .safetensors file.</summary>
    public static string OpenedPath(SafeTensorsCheckpoint checkpoint) => checkpoint.IndexPath ?? checkpoint.Files[0].FilePath;

    public static string Folder(SafeTensorsCheckpoint checkpoint) => Path.GetDirectoryName(OpenedPath(checkpoint)) ?? ".";

    public static string RelativeName(SafeTensorsCheckpoint checkpoint, string filePath) =>
        Path.GetRelativePath(Folder(checkpoint), filePath).Replace('\\', '/');
}
