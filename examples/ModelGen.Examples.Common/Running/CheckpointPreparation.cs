using System.Text;
using ModelGen.Distributed;
using ModelGen.Examples.Checkpoints;
using ModelGen.Loading;

namespace ModelGen.Examples.Running;

/// <summary>
/// Makes sure the checkpoint exists and gives every rank its <c>config.json</c>: rank 0 alone looks at the folder,
/// writes a random checkpoint when it holds none and writing one was asked for (<c>--create-random</c>, or the
/// recipe's demo folder), and broadcasts the config text; every error reaches every rank.
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
                bool demoFolder = folder.Path == new CheckpointFolder(recipe.DefaultCheckpointFolder).Path;
                if (WritesRandom(folder, folder.Inspect(), settings.CreateRandom || demoFolder))
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

    /// <summary>
    /// Whether a random checkpoint is to be written into <paramref name="folder"/>: only when it holds no checkpoint
    /// files and <paramref name="writingAllowed"/>. A folder that is missing or holds other files only, without
    /// permission to write, is an error: a mistyped path must not turn into a freshly written random model.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder is missing and writing is not allowed.</exception>
    /// <exception cref="FileNotFoundException">The folder holds no checkpoint files and writing is not allowed.</exception>
    public static bool WritesRandom(CheckpointFolder folder, CheckpointFolderState state, bool writingAllowed)
    {
        ArgumentNullException.ThrowIfNull(folder);
        const string Expected = $"({CheckpointFolder.ConfigFileName} with {CheckpointFolder.SingleFileName} or {CheckpointFolder.IndexFileName})";
        return state switch
        {
            CheckpointFolderState.HasCheckpointFiles => false,
            _ when writingAllowed => true,
            CheckpointFolderState.Missing => throw new DirectoryNotFoundException(
                $"The checkpoint folder {folder.Path} does not exist. Pass the folder of a Hugging Face checkpoint {Expected}, " +
                "or add --create-random to write a random checkpoint there."),
            _ => throw new FileNotFoundException(
                $"The checkpoint folder {folder.Path} holds no checkpoint {Expected}. Pass the folder of a Hugging Face checkpoint, " +
                "or add --create-random to write a random checkpoint there.", folder.ConfigPath),
        };
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
