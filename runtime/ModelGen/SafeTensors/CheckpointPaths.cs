using System.Runtime.InteropServices;

namespace ModelGen.SafeTensors;

/// <summary>
/// Turns a weight_map file name into a path inside the checkpoint folder, refusing names that lead out of it
/// (rooted paths, <c>..</c> segments) and anything that is not a regular file. Symbolic links are followed
/// wherever they lead (the Hugging Face cache keeps every file of a snapshot folder as a link into a sibling
/// <c>blobs</c> folder) unless <see cref="SafeTensorsReadOptions.AllowLinksOutsideCheckpoint"/> is off.
/// </summary>
internal static partial class CheckpointPaths
{
    public static string ResolveShard(string folder, string fileName, string indexPath, string key, bool allowLinksOutside)
    {
        if (fileName.Length == 0 || fileName.Contains('\0'))
            throw new SafeTensorsIndexException(SafeTensorsRule.InvalidIndex, indexPath, key, $"'{fileName}' is not a usable file name.");
        if (Path.IsPathRooted(fileName) || fileName.StartsWith('/') || fileName.StartsWith('\\') || HasParentSegment(fileName))
            throw Escape(indexPath, key, fileName, "it is absolute or goes up with '..'");

        string fullPath = Path.GetFullPath(Path.Combine(folder, fileName));
        if (!IsInside(Path.GetFullPath(folder), fullPath))
            throw Escape(indexPath, key, fileName, "it resolves outside the folder");
        try
        {
            SafeTensorsFile.RequireRegularFile(fullPath, SafeTensorsRule.ShardFileMissing);
        }
        catch (SafeTensorsIndexException e) when (e.Rule == SafeTensorsRule.ShardFileMissing)
        {
            throw new SafeTensorsIndexException(SafeTensorsRule.ShardFileMissing, fullPath, key, $"the index {indexPath} maps keys to this file, which does not exist.");
        }
        catch (SafeTensorsIndexException e)
        {
            throw new SafeTensorsIndexException(e.Rule, fullPath, key, $"the index {indexPath} maps keys to this file: {e.Detail}", e);
        }

        if (!allowLinksOutside && !OperatingSystem.IsWindows())
        {
            string? realFolder = RealPath(folder);
            string? realFile = RealPath(fullPath);
            if (realFolder is null || realFile is null || !IsInside(realFolder, realFile))
                throw Escape(indexPath, key, fileName,
                    $"a symbolic link leads to {realFile ?? "an unresolvable target"}, and {nameof(SafeTensorsReadOptions)}.{nameof(SafeTensorsReadOptions.AllowLinksOutsideCheckpoint)} is off");
        }
        return fullPath;
    }

    private static bool HasParentSegment(string fileName)
    {
        foreach (string segment in fileName.Split('/', '\\'))
        {
            if (segment == "..")
                return true;
        }
        return false;
    }

    private static bool IsInside(string folder, string path)
    {
        string prefix = Path.EndsInDirectorySeparator(folder) ? folder : folder + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
    }

    private static SafeTensorsIndexException Escape(string indexPath, string key, string fileName, string why) =>
        new(SafeTensorsRule.PathEscapesCheckpoint, indexPath, key, $"weight_map file '{fileName}' is outside the checkpoint folder: {why}.");

    /// <summary>The canonical path with every symbolic link resolved (libc <c>realpath</c>), or null when it cannot be resolved.</summary>
    internal static string? RealPath(string path)
    {
        nint resolved = realpath(path, 0);
        if (resolved == 0)
            return null;
        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            free(resolved);
        }
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint realpath(string path, nint resolved);

    [LibraryImport("libc")]
    private static partial void free(nint pointer);
}
