using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using ModelGen.SafeTensors;

namespace ModelGen.Saving;

/// <summary>
/// The target folder of a save, on rank 0: finds a checkpoint already there, hands out temporary names, and puts the
/// finished files in place, shards first and the index last, so the folder never shows an index over shards that are
/// not complete.
/// </summary>
internal sealed partial class SaveFolder
{
    /// <summary>The suffix of a file still being written: no loader or Hub tool takes it for a checkpoint file.</summary>
    public const string TemporarySuffix = ".saving";

    private readonly List<string> _temporaries = [];
    private readonly List<string> _placed = [];

    public SaveFolder(string directory) => FullPath = Path.GetFullPath(directory);

    public string FullPath { get; }

    public string IndexPath => Path.Combine(FullPath, SafeTensorsCheckpoint.IndexFileName);

    public static string ShardName(int number, int count) => $"model-{number:D5}-of-{count:D5}.safetensors";

    /// <summary>
    /// Creates the folder, refuses one that holds a checkpoint unless <paramref name="overwrite"/>, and removes
    /// temporaries an interrupted save left behind.
    /// </summary>
    public void Prepare(bool overwrite)
    {
        if (File.Exists(FullPath))
            throw new IOException($"Cannot save into {FullPath}: it is a file, not a folder.");
        Directory.CreateDirectory(FullPath);
        IReadOnlyList<string> existing = ExistingCheckpointFiles();
        if (existing.Count > 0 && !overwrite)
            throw new IOException(
                $"Cannot save into {FullPath}: it already holds a checkpoint ({string.Join(", ", existing.Select(Path.GetFileName))}). " +
                $"Choose an empty folder, or set {nameof(SaveOptions)}.{nameof(SaveOptions.Overwrite)} to replace it.");
        foreach (string stale in Directory.GetFiles(FullPath, "*" + TemporarySuffix))
            File.Delete(stale);
    }

    /// <summary>The temporary path of <paramref name="fileName"/>, remembered so that a failed save removes it.</summary>
    public string Temporary(string fileName)
    {
        string path = Path.Combine(FullPath, fileName + TemporarySuffix);
        _temporaries.Add(path);
        return path;
    }

    /// <summary>Writes the index, sorted by key, under its temporary name.</summary>
    public string WriteIndexTemporary(IEnumerable<(string Key, string File)> weightMap, long totalSize)
    {
        string path = Temporary(SafeTensorsCheckpoint.IndexFileName);
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                json.WriteStartObject();
                json.WriteStartObject("metadata");
                json.WriteNumber("total_size", totalSize);
                json.WriteEndObject();
                json.WriteStartObject("weight_map");
                foreach ((string key, string file) in weightMap.OrderBy(p => p.Key, StringComparer.Ordinal))
                    json.WriteString(key, file);
                json.WriteEndObject();
                json.WriteEndObject();
            }
            stream.Flush(flushToDisk: true);
        }
        return path;
    }

    /// <summary>
    /// Puts the finished files in place: removes the old checkpoint's index, then its other files, renames the new
    /// shards, and renames the new index last. The temporaries end in <see cref="TemporarySuffix"/>.
    /// </summary>
    public void Commit(IReadOnlyList<string> shardTemporaries, string indexTemporary)
    {
        var keep = shardTemporaries.Select(FinalName).ToHashSet(StringComparer.Ordinal);
        string oldIndex = IndexPath;
        if (File.Exists(oldIndex))
            File.Delete(oldIndex);
        foreach (string old in ExistingCheckpointFiles().Where(f => !keep.Contains(f)))
            File.Delete(old);
        foreach (string temporary in shardTemporaries)
            Place(temporary);
        Place(indexTemporary);
    }

    /// <summary>After a failure: removes every temporary and every new file already renamed, so no new file remains.</summary>
    public void RemoveNewFiles()
    {
        foreach (string path in _temporaries.Concat(_placed))
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // The failure being reported matters more; a leftover temporary is removed by the next save.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private void Place(string temporary)
    {
        string final = FinalName(temporary);
        File.Move(temporary, final, overwrite: true);
        _temporaries.Remove(temporary);
        _placed.Add(final);
    }

    private static string FinalName(string temporary) => temporary[..^TemporarySuffix.Length];

    /// <summary>The files of a checkpoint in this folder: the index, <c>model.safetensors</c>, <c>model-*-of-*</c> shards.</summary>
    private IReadOnlyList<string> ExistingCheckpointFiles() =>
        Directory.GetFiles(FullPath)
            .Where(f => Path.GetFileName(f) is SafeTensorsCheckpoint.IndexFileName or SafeTensorsCheckpoint.SingleFileName
                || ShardPattern().IsMatch(Path.GetFileName(f)))
            .Order(StringComparer.Ordinal)
            .ToList();

    [GeneratedRegex(@"^model-\d{5}-of-\d{5}\.safetensors$", RegexOptions.CultureInvariant)]
    private static partial Regex ShardPattern();
}
