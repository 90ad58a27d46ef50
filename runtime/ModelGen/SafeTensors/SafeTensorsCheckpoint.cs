using System.Diagnostics.CodeAnalysis;
using TorchSharp;

namespace ModelGen.SafeTensors;

/// <summary>
/// A whole checkpoint: one .safetensors file, or the shards listed by a <c>model.safetensors.index.json</c>.
/// Every file is opened read-only and validated once, and the index and the files must agree key for key.
/// Entries are listed file by file, each file in offset order, which is the order that reads them fastest.
/// Reads of different tensors may run concurrently.
/// </summary>
public sealed class SafeTensorsCheckpoint : IDisposable
{
    /// <summary>The conventional name of a single-file checkpoint.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>The conventional name of the index of a sharded checkpoint.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    internal const string IndexSuffix = ".safetensors.index.json";

    // Key to the file that holds it (which finds the entry): a dictionary of tuples is compiled in every fresh process.
    private readonly Dictionary<string, SafeTensorsFile> _fileOfKey;

    private SafeTensorsCheckpoint(string? indexPath, IReadOnlyList<SafeTensorsFile> files, long? declaredTotalSize)
    {
        IndexPath = indexPath;
        Files = files;
        DeclaredTotalSize = declaredTotalSize;
        int count = 0;
        foreach (SafeTensorsFile file in files)
            count += file.Entries.Count;
        var entries = new List<SafeTensorsEntry>(count);
        _fileOfKey = new Dictionary<string, SafeTensorsFile>(count, StringComparer.Ordinal);
        foreach (SafeTensorsFile file in files)
        {
            foreach (SafeTensorsEntry entry in file.Entries)
            {
                entries.Add(entry);
                _fileOfKey.Add(entry.Name, file);
                TotalTensorBytes += entry.ByteLength;
            }
        }
        Entries = entries;
    }

    /// <summary>
    /// Opens a checkpoint from a .safetensors file, an index JSON file, or a folder. In a folder, the first of these
    /// is used: <c>model.safetensors.index.json</c>, the only <c>*.safetensors.index.json</c>,
    /// <c>model.safetensors</c>, the only <c>*.safetensors</c>. Throws <see cref="SafeTensorsFormatException"/> for
    /// a file that breaks the format and <see cref="SafeTensorsIndexException"/> for checkpoint-level problems.
    /// </summary>
    public static SafeTensorsCheckpoint Open(string path, SafeTensorsReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string fullPath = Path.GetFullPath(path);
        if (Directory.Exists(fullPath))
            fullPath = FindInFolder(fullPath);
        else if (!File.Exists(fullPath))
            throw new SafeTensorsIndexException(SafeTensorsRule.FileNotFound, fullPath, null, "no file or folder at this path.");

        return fullPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? OpenIndex(fullPath, options)
            : new SafeTensorsCheckpoint(null, [SafeTensorsFile.Open(fullPath, options)], null);
    }

    /// <summary>The index file, or <see langword="null"/> for a single-file checkpoint.</summary>
    public string? IndexPath { get; }

    /// <summary>The files of the checkpoint; shards in ordinal order of their names.</summary>
    public IReadOnlyList<SafeTensorsFile> Files { get; }

    /// <summary>Every entry, file by file in <see cref="Files"/> order, each file's entries in offset order.</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries { get; }

    /// <summary>Sum of every tensor's byte length.</summary>
    public long TotalTensorBytes { get; }

    /// <summary>The index's <c>metadata.total_size</c>, when it has one (informational: writers do not all compute it alike).</summary>
    public long? DeclaredTotalSize { get; }

    /// <summary>Whether the checkpoint holds <paramref name="key"/>.</summary>
    public bool Contains(string key) => _fileOfKey.ContainsKey(key);

    /// <summary>Looks an entry up by key.</summary>
    public bool TryGetEntry(string key, [MaybeNullWhen(false)] out SafeTensorsEntry entry)
    {
        entry = null;
        return _fileOfKey.TryGetValue(key, out SafeTensorsFile? file) && file.TryGetEntry(key, out entry);
    }

    /// <summary>The entry named <paramref name="key"/>; <see cref="SafeTensorsRule.UnknownKey"/> when there is none.</summary>
    public SafeTensorsEntry GetEntry(string key) => Locate(key).Entry;

    /// <summary>The file that holds <paramref name="entry"/>.</summary>
    public SafeTensorsFile FileOf(SafeTensorsEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Locate(entry.Name).File;
    }

    /// <summary>Reads the tensor named <paramref name="key"/> into <paramref name="destination"/>; see <see cref="SafeTensorsFile.ReadInto(SafeTensorsEntry, torch.Tensor)"/>.</summary>
    public void ReadInto(string key, torch.Tensor destination)
    {
        var (entry, file) = Locate(key);
        file.ReadInto(entry, destination);
    }

    /// <summary>Reads <paramref name="entry"/> into <paramref name="destination"/>; see <see cref="SafeTensorsFile.ReadInto(SafeTensorsEntry, torch.Tensor)"/>.</summary>
    public void ReadInto(SafeTensorsEntry entry, torch.Tensor destination) => FileOf(entry).ReadInto(entry, destination);

    /// <summary>Allocates a CPU tensor of the entry's shape and dtype and reads it.</summary>
    public torch.Tensor Read(string key)
    {
        var (entry, file) = Locate(key);
        return file.Read(entry);
    }

    /// <summary>Copies raw bytes of an entry, for any dtype; see <see cref="SafeTensorsFile.ReadBytes"/>.</summary>
    public void ReadBytes(SafeTensorsEntry entry, long offsetInTensor, Span<byte> destination) =>
        FileOf(entry).ReadBytes(entry, offsetInTensor, destination);

    /// <summary>
    /// Throws <see cref="SafeTensorsFormatException"/> (<see cref="SafeTensorsRule.UnexpectedEndOfFile"/> or
    /// <see cref="SafeTensorsRule.FileChanged"/>) when any file is no longer the one that was opened and validated.
    /// </summary>
    internal void ThrowIfChanged()
    {
        foreach (SafeTensorsFile file in Files)
            file.ThrowIfChanged();
    }

    /// <summary>Closes every file.</summary>
    public void Dispose()
    {
        foreach (SafeTensorsFile file in Files)
            file.Dispose();
    }

    private (SafeTensorsEntry Entry, SafeTensorsFile File) Locate(string key) =>
        _fileOfKey.TryGetValue(key, out SafeTensorsFile? file) && file.TryGetEntry(key, out SafeTensorsEntry? entry)
            ? (entry, file)
            : throw new SafeTensorsReadException(SafeTensorsRule.UnknownKey, IndexPath ?? Files[0].FilePath, key, "the checkpoint has no tensor with this key.");

    private static string FindInFolder(string folder)
    {
        string index = Path.Combine(folder, IndexFileName);
        if (File.Exists(index))
            return index;
        string[] indexes = Directory.GetFiles(folder, "*" + IndexSuffix);
        if (indexes.Length == 1)
            return indexes[0];
        string single = Path.Combine(folder, SingleFileName);
        if (indexes.Length == 0 && File.Exists(single))
            return single;
        string[] files = Directory.GetFiles(folder, "*.safetensors");
        if (indexes.Length == 0 && files.Length == 1)
            return files[0];
        string found = indexes.Length > 0 ? string.Join(", ", indexes.Select(Path.GetFileName)) : string.Join(", ", files.Select(Path.GetFileName));
        throw new SafeTensorsIndexException(SafeTensorsRule.NoCheckpointInFolder, folder, null,
            found.Length == 0
                ? "the folder holds no .safetensors file and no index."
                : $"the folder holds several candidates and no {IndexFileName} to choose: {found}.");
    }

    private static SafeTensorsCheckpoint OpenIndex(string indexPath, SafeTensorsReadOptions? options)
    {
        SafeTensorsIndexFile index = SafeTensorsIndexFile.Read(indexPath);
        string folder = Path.GetDirectoryName(indexPath)!;

        // key -> full shard path, resolved (and checked to stay inside the folder) once per distinct file name.
        var shardOfKey = new Dictionary<string, string>(StringComparer.Ordinal);
        var resolved = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, string fileName) in index.WeightMap)
        {
            if (!resolved.TryGetValue(fileName, out string? shardPath))
            {
                shardPath = CheckpointPaths.ResolveShard(folder, fileName, indexPath, key, (options ?? SafeTensorsReadOptions.Default).AllowLinksOutsideCheckpoint);
                resolved.Add(fileName, shardPath);
            }
            shardOfKey.Add(key, shardPath);
        }

        var files = new List<SafeTensorsFile>();
        try
        {
            // Array.Sort rather than LINQ's Order, whose index map of ints is compiled in every fresh process.
            string[] shardPaths = [.. resolved.Values.Distinct(StringComparer.Ordinal)];
            Array.Sort(shardPaths, StringComparer.Ordinal);
            foreach (string shardPath in shardPaths)
                files.Add(SafeTensorsFile.Open(shardPath, options));
            CheckAgreement(indexPath, shardOfKey, files);
            return new SafeTensorsCheckpoint(indexPath, files, index.DeclaredTotalSize);
        }
        catch
        {
            foreach (SafeTensorsFile file in files)
                file.Dispose();
            throw;
        }
    }

    private static void CheckAgreement(string indexPath, Dictionary<string, string> shardOfKey, List<SafeTensorsFile> files)
    {
        var byPath = files.ToDictionary(f => f.FilePath, StringComparer.Ordinal);
        // The keys sorted on their own (for a deterministic first error): LINQ over key-value pairs of a dictionary
        // is compiled in every fresh process, a sort of strings is not.
        string[] keys = [.. shardOfKey.Keys];
        Array.Sort(keys, StringComparer.Ordinal);
        foreach (string key in keys)
        {
            string shardPath = shardOfKey[key];
            if (!byPath[shardPath].Contains(key))
                throw new SafeTensorsIndexException(SafeTensorsRule.KeyMissingInShard, shardPath, key, $"the index {indexPath} maps this key to this file, which does not hold it.");
        }
        foreach (SafeTensorsFile file in files)
        {
            foreach (SafeTensorsEntry entry in file.Entries)
            {
                if (!shardOfKey.TryGetValue(entry.Name, out string? mapped) || mapped != file.FilePath)
                {
                    string where = mapped is null ? "does not list it" : $"maps it to {mapped}";
                    throw new SafeTensorsIndexException(SafeTensorsRule.KeyNotInIndex, file.FilePath, entry.Name, $"the file holds this key but the index {indexPath} {where}.");
                }
            }
        }
    }
}
