using System.Text.Json;
using System.Text.Json.Nodes;
using ModelGen.Distributed;
using ModelGen.Examples.Checkpoints;
using ModelGen.Saving;

namespace ModelGen.Examples.Running;

/// <summary>
/// Writes the loaded model back as a Hugging Face folder (<c>--save DIR</c>): the weights through
/// <see cref="ModelSaver"/> (rank 0 writes, a sharded model's rows reach it in bounded batches), and the source
/// folder's <c>config.json</c> beside them, its dtype fields set to the saved weights' (a model loaded or trained in
/// float32 from a bfloat16 checkpoint is saved, and loads again, as float32), so the saved folder loads like the model.
/// </summary>
public static class ModelSave
{
    /// <summary>Saves on every rank (the save is collective); returns this rank's report.</summary>
    /// <param name="group">The ranks of the job.</param>
    /// <param name="model">The model to save.</param>
    /// <param name="sourceFolder">The folder the model was loaded from (its config is copied).</param>
    /// <param name="targetFolder">Where to save.</param>
    /// <param name="dtypeName">The Hugging Face name of the model's dtype (<c>float32</c>, <c>bfloat16</c>, ...).</param>
    public static SaveReport Run(IProcessGroup group, ExampleModel model, string sourceFolder, string targetFolder, string dtypeName)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(model);
        SaveReport report = ModelSaver.Save(model.Sharded, targetFolder, new SaveOptions { ProcessGroup = group });
        group.RunAndAgree(() =>
        {
            if (group.Rank != 0) return;
            // The weights were renamed into place atomically; the config follows the same way.
            string config = new CheckpointFolder(targetFolder).ConfigPath;
            string temporary = config + ".saving";
            File.WriteAllText(temporary, WithDType(File.ReadAllText(new CheckpointFolder(sourceFolder).ConfigPath), dtypeName));
            File.Move(temporary, config, overwrite: true);
        });
        return report;
    }

    /// <summary>
    /// <paramref name="configJson"/> with <c>torch_dtype</c> (and <c>dtype</c>, which transformers 5 writes, when present)
    /// set to <paramref name="dtypeName"/>.
    /// </summary>
    public static string WithDType(string configJson, string dtypeName)
    {
        JsonObject config = JsonNode.Parse(configJson) as JsonObject
            ?? throw new FormatException("config.json does not hold a JSON object.");
        config["torch_dtype"] = dtypeName;
        if (config.ContainsKey("dtype")) config["dtype"] = dtypeName;
        return config.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
