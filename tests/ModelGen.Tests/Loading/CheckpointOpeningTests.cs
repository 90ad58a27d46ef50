using ModelGen.Loading;
using ModelGen.SafeTensors;
using static TorchSharp.torch;

namespace ModelGen.Tests.Loading;

/// <summary>Rank 0's opening of a checkpoint, here or on a thread of its own: what it hands over, and what it closes.</summary>
public sealed class CheckpointOpeningTests : IDisposable
{
    private readonly CheckpointFixture _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TheCatalogAndItsMessageDescribeTheFileAndTheCheckpointIsHandedOver(bool background)
    {
        var (path, written) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());

        using CheckpointOpening opening = background ? CheckpointOpening.Start(path) : CheckpointOpening.Run(path);

        Assert.Null(opening.Wait());
        Assert.Equal(written.Keys.Order(StringComparer.Ordinal), opening.Catalog!.Entries.Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal(opening.Catalog.Entries.Count, CheckpointCatalog.Deserialize(opening.Message).Entries.Count);
        using SafeTensorsCheckpoint? checkpoint = opening.TakeCheckpoint();
        Assert.NotNull(checkpoint);
        Assert.Null(opening.TakeCheckpoint()); // handed over once: the caller disposes it
        Assert.Equal(written.Count, checkpoint.Entries.Count);
    }

    [Fact]
    public void AFailureIsReportedByWaitAndNoCheckpointIsHandedOver()
    {
        string missing = Path.Combine(_files.Folder, "missing.safetensors");

        using CheckpointOpening opening = CheckpointOpening.Start(missing);

        Exception? failure = opening.Wait();
        Assert.NotNull(failure);
        Assert.Contains("missing.safetensors", failure.Message);
        Assert.Null(opening.Catalog);
        Assert.Empty(opening.Message);
        Assert.Null(opening.TakeCheckpoint());
    }

    [Fact]
    public void DisposingWithoutTakingClosesTheCheckpointsFiles()
    {
        var (path, _) = _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel());
        string real = Path.GetFullPath(path);
        int before = OpenDescriptorsOf(real);

        var opening = CheckpointOpening.Start(path);
        Assert.Null(opening.Wait());
        Assert.True(OpenDescriptorsOf(real) > before, "the open checkpoint holds its file");
        opening.Dispose();

        Assert.Equal(before, OpenDescriptorsOf(real));
    }

    /// <summary>How many of this process's file descriptors refer to <paramref name="path"/> (Linux /proc).</summary>
    private static int OpenDescriptorsOf(string path) =>
        Directory.GetFiles("/proc/self/fd").Count(fd =>
        {
            try { return new FileInfo(fd).LinkTarget == path; }
            catch (IOException) { return false; }
        });
}
