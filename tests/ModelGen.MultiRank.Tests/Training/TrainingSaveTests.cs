using ModelGen.MultiRank.Tests.Launching;
using ModelGen.SafeTensors;
using TorchSharp;

namespace ModelGen.MultiRank.Tests.Training;

/// <summary>
/// Saving after training on 3 ranks: the saved folder holds the trained parameters bit for bit, and loading it again
/// with the same placement gives every rank exactly what it held after training.
/// </summary>
public sealed class TrainingSaveTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(180);

    [Theory]
    [InlineData("replicated")]
    [InlineData("sharded")]
    public async Task TheTrainedModelSavesAndLoadsBackBitForBit(string mode)
    {
        using var checkpoint = new TrainCheckpoint();
        string saved = Path.Combine(checkpoint.Folder, "saved-" + mode);

        WorkerRun run = await WorkerLauncher.MpiRunAsync(
            ["train", $"mode={mode}", $"checkpoint={checkpoint.CheckpointFolder}", $"out={checkpoint.Output(mode)}", $"save={saved}"], timeout: Bound);

        Assert.True(run.ExitCode == 0, run.ToString());
        var reloaded = run.Named("reloaded");
        Assert.Equal([0, 1, 2], reloaded.Select(e => e.Rank));
        Assert.All(reloaded, e => Assert.Equal("0", e["differing"]));

        // The folder holds what training produced (gathered), bit for bit, and those differ from the checkpoint's.
        using SafeTensorsCheckpoint written = SafeTensorsCheckpoint.Open(saved);
        using SafeTensorsCheckpoint trained = SafeTensorsCheckpoint.Open(checkpoint.Output(mode));
        Assert.Equal(trained.Entries.Select(e => e.Name).Order(), written.Entries.Select(e => e.Name).Order());
        foreach (SafeTensorsEntry entry in trained.Entries)
        {
            using torch.Tensor expected = trained.Read(entry.Name);
            using torch.Tensor actual = written.Read(entry.Name);
            Assert.True(expected.bytes.SequenceEqual(actual.bytes), $"'{entry.Name}' was not saved bit for bit");
            Assert.False(expected.bytes.SequenceEqual(checkpoint.Initial[entry.Name].bytes), $"'{entry.Name}' did not change in training");
        }
    }
}
