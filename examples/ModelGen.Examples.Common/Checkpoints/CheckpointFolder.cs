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

    /// <summary>Whether the folder holds neither a config nor weights, so a random checkpoint may be written there.</summary>
    public bool IsAbsent => !File.Exists(ConfigPath) && WeightsPath is null;

    /// <summary>Checks that both the config and the weights are present.</summary>
    /// <exception cref="FileNotFoundException">One of them is missing (a half-written or foreign folder).</exception>
    public void EnsureComplete()
    {
        if (!File.Exists(ConfigPath))
            throw new FileNotFoundException($"The checkpoint folder {Path} has weights but no {ConfigFileName}.", ConfigPath);
        if (WeightsPath is null)
            throw new FileNotFoundException($"The checkpoint folder {Path} has a {ConfigFileName} but neither {SingleFileName} nor {IndexFileName}.", Path);
    }
}
