namespace ModelGen.Examples.Checkpoints;

/// <summary>A Hugging Face checkpoint folder: <c>config.json</c> beside <c>model.safetensors</c> or a sharded index.</summary>
public sealed class CheckpointFolder
{
    /// <summary>The config file name.</summary>
    public const string ConfigFileName = "config.json";

    /// <summary>The single-file weights name.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>The sharded-weights index name.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>Points at <paramref name="path"/> (nothing is read).</summary>
    public CheckpointFolder(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>The path of <c>config.json</c>.</summary>
    public string ConfigPath => System.IO.Path.Combine(Path, ConfigFileName);

    /// <summary>The weights to load: the index when there is one, otherwise <c>model.safetensors</c>, otherwise <see langword="null"/>.</summary>
    public string? WeightsPath
    {
        get
        {
            string index = System.IO.Path.Combine(Path, IndexFileName);
            if (File.Exists(index)) return index;
            string single = System.IO.Path.Combine(Path, SingleFileName);
            return File.Exists(single) ? single : null;
        }
    }

    /// <summary>
    /// What is at the path, judged from the folder's listing (so an entry that exists but cannot be opened still
    /// counts as present and fails when it is read, rather than passing for absent).
    /// </summary>
    /// <exception cref="IOException">The path is a file, or the folder cannot be listed.</exception>
    public CheckpointFolderState Inspect()
    {
        if (File.Exists(Path))
            throw new IOException($"The checkpoint path {Path} is a file, not a folder. Pass the folder that holds {ConfigFileName} and the weights.");
        if (!Directory.Exists(Path)) return CheckpointFolderState.Missing;
        string[] names;
        try
        {
            names = Directory.GetFileSystemEntries(Path).Select(System.IO.Path.GetFileName).ToArray()!;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new IOException($"The checkpoint folder {Path} cannot be read ({e.Message}). Check its permissions, or pass another folder.", e);
        }
        bool any = names.Any(n => n is ConfigFileName or SingleFileName or IndexFileName);
        return any ? CheckpointFolderState.HasCheckpointFiles : CheckpointFolderState.NoCheckpointFiles;
    }

    /// <summary>Checks that both the config and the weights are present.</summary>
    /// <exception cref="FileNotFoundException">One of them is missing (a half-written or foreign folder).</exception>
    public void EnsureComplete()
    {
        if (!File.Exists(ConfigPath))
            throw new FileNotFoundException($"The checkpoint folder {Path} has weights but no {ConfigFileName} (or it cannot be opened).", ConfigPath);
        if (WeightsPath is null)
            throw new FileNotFoundException($"The checkpoint folder {Path} has a {ConfigFileName} but neither {SingleFileName} nor {IndexFileName}.", Path);
    }
}
