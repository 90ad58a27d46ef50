using ModelGen.Distributed;
using ModelGen.Examples.Checkpoints;
using ModelGen.Saving;

namespace ModelGen.Examples.Running;

/// <summary>
/// Writes the loaded model back as a Hugging Face folder (<c>--save DIR</c>): the weights through
/// <see cref="ModelSaver"/> (rank 0 writes, a sharded model's rows reach it in bounded batches), and the source
/// folder's <c>config.json</c> beside them, so the saved folder loads like the original.
/// </summary>
public static class ModelSave
{
    /// <summary>Saves on every rank (the save is collective); returns this rank's report.</summary>
    public static SaveReport Run(IProcessGroup group, ExampleModel model, string sourceFolder, string targetFolder)
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
            File.Copy(new CheckpointFolder(sourceFolder).ConfigPath, temporary, overwrite: true);
            File.Move(temporary, config, overwrite: true);
        });
        return report;
    }
}
