using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace ModelGen.Build.Tasks;

/// <summary>
/// For every ModelGenCheckpoint item: a .safetensors file or a model.safetensors.index.json becomes a manifest in
/// the intermediate directory; any other file is taken as a manifest already. The results are returned as
/// AdditionalFiles items carrying the ModelGenModel and ModelGenKind (<c>manifest</c>) metadata the generator reads.
/// </summary>
public sealed class ModelGenWriteCheckpointManifests : Task
{
    /// <summary>The ModelGenCheckpoint items (file, and the Model metadata naming the [ShardedModel] class).</summary>
    [Required] public ITaskItem[] Checkpoints { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>Where manifests of checkpoint files are written.</summary>
    [Required] public string OutputDirectory { get; set; } = "";

    /// <summary>One manifest per checkpoint, with ModelGenModel, ModelGenKind and ModelGenWritten (true when written here).</summary>
    [Output] public ITaskItem[] Manifests { get; set; } = Array.Empty<ITaskItem>();

    /// <inheritdoc />
    public override bool Execute()
    {
        var manifests = new List<ITaskItem>();
        var usedNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (ITaskItem checkpoint in Checkpoints)
        {
            string path = checkpoint.GetMetadata("FullPath");
            string model = checkpoint.GetMetadata("Model").Trim();
            if (model.Length == 0)
            {
                Log.LogError(null, CheckpointItems.ErrorCode, null, checkpoint.ItemSpec, 0, 0, 0, 0,
                    "ModelGenCheckpoint '{0}' needs a Model attribute naming the [ShardedModel] class (namespace and name)", checkpoint.ItemSpec);
                continue;
            }
            if (!CheckpointManifest.IsCheckpoint(path))
            {
                manifests.Add(Manifest(path, model, written: false));
                continue;
            }
            string text;
            try
            {
                text = CheckpointManifest.FromCheckpoint(path);
            }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
            {
                Log.LogError(null, CheckpointItems.ErrorCode, null, checkpoint.ItemSpec, 0, 0, 0, 0,
                    "Checkpoint '{0}' cannot be read: {1}", checkpoint.ItemSpec, e.Message);
                continue;
            }
            string name = Path.GetFileName(path);
            for (int n = 2; !usedNames.Add(name); n++) name = Path.GetFileName(path) + "." + n.ToString(CultureInfo.InvariantCulture);
            string output = Path.Combine(OutputDirectory, name + ".manifest");
            Directory.CreateDirectory(OutputDirectory);
            // Rewrite only on change, so the compiler sees the same file (and the generator stays cached) when nothing moved.
            if (!File.Exists(output) || File.ReadAllText(output) != text) File.WriteAllText(output, text, new UTF8Encoding(false));
            manifests.Add(Manifest(output, model, written: true));
        }
        Manifests = manifests.ToArray();
        return !Log.HasLoggedErrors;
    }

    private static ITaskItem Manifest(string path, string model, bool written)
    {
        TaskItem item = CheckpointItems.AdditionalFile(path, model, CheckpointItems.ManifestKind);
        item.SetMetadata("ModelGenWritten", written ? "true" : "false");
        return item;
    }
}
