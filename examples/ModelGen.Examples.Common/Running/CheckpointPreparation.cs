using System.Text;
using ModelGen.Distributed;
using ModelGen.Examples.Checkpoints;
using ModelGen.Loading;

namespace ModelGen.Examples.Running;

/// <summary>
/// Makes sure the checkpoint exists and gives every rank its <c>config.json</c>: rank 0 alone looks at the folder,
/// writes a random checkpoint when it is empty, and broadcasts the config text; every error reaches every rank.
/// </summary>
public static class CheckpointPreparation
{
    /// <summary>The config text every rank builds its model from, and whether rank 0 wrote the checkpoint.</summary>
    public sealed record Prepared(string ConfigJson, bool Written);

    /// <summary>Runs on every rank; only rank 0 touches the file system.</summary>
    /// <exception cref="DistributedLoadException">Rank 0 failed (thrown on every rank).</exception>
    public static Prepared Run(IProcessGroup group, ExampleRecipe recipe, ExampleSettings settings, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(settings);
        byte[] payload = [];
        bool written = false;
        Exception? failure = null;
        if (group.Rank == 0)
        {
            try
            {
                var folder = new CheckpointFolder(settings.CheckpointFolder);
                if (folder.IsAbsent)
                {
                    WriteRandom(folder, recipe, settings, log);
                    written = true;
                }
                folder.EnsureComplete();
                payload = Encoding.UTF8.GetBytes(File.ReadAllText(folder.ConfigPath));
            }
#pragma warning disable CA1031 // Any failure must reach the other ranks, which are waiting for the config.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = e;
            }
        }
        group.ThrowIfAnyRankFailed(failure);
        string config = Encoding.UTF8.GetString(group.BroadcastMessage(payload));
        return new Prepared(config, group.AllReduceMax(written ? 1 : 0) == 1);
    }

    private static void WriteRandom(CheckpointFolder folder, ExampleRecipe recipe, ExampleSettings settings, TextWriter log)
    {
        string config = recipe.CreateRandomConfig(settings.SizeMib, settings.CheckpointDType, settings.TiedEmbeddings);
        ExampleModel meta = MetaConstruction.Build(() => recipe.Build(config, settings.CheckpointDType));
        RandomCheckpointWriter.Write(folder, meta.Sharded, config, settings.CheckpointDType, settings.Seed, (long)settings.ShardMib << 20, log);
        meta.Module.Dispose();
        // The generated tensors are freed; their peak must not be reported as the load's.
        GC.Collect();
        if (!PeakRss.TryReset())
            log.WriteLine("  (could not reset the peak RSS: this rank's peak includes writing the checkpoint)");
    }
}
