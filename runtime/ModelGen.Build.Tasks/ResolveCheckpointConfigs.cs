using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace ModelGen.Build.Tasks;

/// <summary>
/// Finds the config.json of every ModelGenCheckpoint item: the file its Config metadata names (relative to the
/// project, like Include; an error when it does not exist), else a config.json in the checkpoint's own folder, else
/// none. The results are AdditionalFiles items with ModelGenModel and ModelGenKind (<c>config</c>) metadata.
/// </summary>
public sealed class ModelGenResolveCheckpointConfigs : Task
{
    /// <summary>The file name looked for next to a checkpoint that names no Config.</summary>
    public const string DefaultConfigFileName = "config.json";

    /// <summary>The ModelGenCheckpoint items (file, Model and optional Config metadata).</summary>
    [Required] public ITaskItem[] Checkpoints { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The folder a relative Config is taken from: the project's, as for Include.</summary>
    [Required] public string ProjectDirectory { get; set; } = "";

    /// <summary>One item per (config file, model), with ModelGenModel and ModelGenKind.</summary>
    [Output] public ITaskItem[] Configs { get; set; } = Array.Empty<ITaskItem>();

    /// <inheritdoc />
    public override bool Execute()
    {
        var configs = new List<ITaskItem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (ITaskItem checkpoint in Checkpoints)
        {
            // An item without Model is reported once, by ModelGenWriteCheckpointManifests.
            string model = checkpoint.GetMetadata("Model").Trim();
            if (model.Length == 0) continue;
            string? config = Find(checkpoint);
            if (config is null || !seen.Add(config + "\n" + model)) continue;
            configs.Add(CheckpointItems.AdditionalFile(config, model, CheckpointItems.ConfigKind));
        }
        Configs = configs.ToArray();
        return !Log.HasLoggedErrors;
    }

    /// <summary>The full path of the checkpoint's config, or null when it names none and none lies next to it.</summary>
    private string? Find(ITaskItem checkpoint)
    {
        string named = checkpoint.GetMetadata("Config").Trim();
        if (named.Length == 0)
        {
            string folder = Path.GetDirectoryName(checkpoint.GetMetadata("FullPath")) ?? ProjectDirectory;
            string beside = Path.Combine(folder, DefaultConfigFileName);
            return File.Exists(beside) ? beside : null;
        }
        string full = Path.GetFullPath(Path.Combine(ProjectDirectory, named));
        if (File.Exists(full)) return full;
        Log.LogError(null, CheckpointItems.ErrorCode, null, checkpoint.ItemSpec, 0, 0, 0, 0,
            "ModelGenCheckpoint '{0}' names Config '{1}', which does not exist ({2})", checkpoint.ItemSpec, named, full);
        return null;
    }
}
