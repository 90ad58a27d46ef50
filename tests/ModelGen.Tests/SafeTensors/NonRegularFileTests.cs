using System.Diagnostics;
using ModelGen.SafeTensors;

namespace ModelGen.Tests.SafeTensors;

/// <summary>
/// Named pipes, devices and directories where a checkpoint file is expected are refused before they are opened:
/// opening a named pipe for reading waits for a writer for ever. Every test runs under a deadline, so a regression
/// fails instead of hanging the suite.
/// </summary>
public sealed class NonRegularFileTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string MakeFifo(string name)
    {
        string path = _folder.File(name);
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    /// <summary>Runs <paramref name="open"/> on its own thread; past the deadline, opens the pipes for writing so it can end, and fails.</summary>
    private static Exception FailsWithin(Action open, params string[] fifos)
    {
        Exception? thrown = null;
        var thread = new Thread(() =>
        {
            try { open(); }
#pragma warning disable CA1031 // The test inspects whatever the call threw.
            catch (Exception e) { thrown = e; }
#pragma warning restore CA1031
        }) { IsBackground = true };
        thread.Start();
        if (!thread.Join(Deadline))
        {
            // A reader blocked in open() is released by a writer's open; the test has failed either way.
            foreach (string fifo in fifos)
                using (new FileStream(fifo, FileMode.Open, FileAccess.Write)) { }
            thread.Join(Deadline);
            Assert.Fail($"still blocked after {Deadline.TotalSeconds} s opening {string.Join(", ", fifos)}");
        }
        return thrown ?? throw new Xunit.Sdk.XunitException("the call succeeded but should have been refused");
    }

    private static void AssertNotRegular(Exception thrown, string path, string kind)
    {
        var e = Assert.IsType<SafeTensorsIndexException>(thrown);
        Assert.Equal(SafeTensorsRule.NotARegularFile, e.Rule);
        Assert.Equal(path, e.FilePath);
        Assert.Contains(kind, e.Message);
    }

    [Fact]
    public void ANamedPipeAsTheCheckpointIsRefusedWithoutOpeningIt()
    {
        if (!OperatingSystem.IsLinux())
            return;
        string fifo = MakeFifo("model.safetensors");

        AssertNotRegular(FailsWithin(() => SafeTensorsCheckpoint.Open(fifo).Dispose(), fifo), fifo, "named pipe");
        AssertNotRegular(FailsWithin(() => SafeTensorsFile.Open(fifo).Dispose(), fifo), fifo, "named pipe");
    }

    [Fact]
    public void ANamedPipeFoundInAFolderIsRefused()
    {
        if (!OperatingSystem.IsLinux())
            return;
        string fifo = MakeFifo("model.safetensors");

        AssertNotRegular(FailsWithin(() => SafeTensorsCheckpoint.Open(_folder.Path).Dispose(), fifo), fifo, "named pipe");
    }

    [Fact]
    public void ANamedPipeAsAShardOrAsTheIndexIsRefused()
    {
        if (!OperatingSystem.IsLinux())
            return;
        string folder = _folder.File("sharded");
        var written = SafeTensorsShardedWriter.Write(folder, [new("a", TorchSharp.torch.ones(64)), new("b", TorchSharp.torch.zeros(64))], maxShardBytes: 256);
        string shard = written.ShardPaths[^1];
        File.Delete(shard);
        string fifo = MakeFifo(Path.Combine("sharded", Path.GetFileName(shard)));

        var e = FailsWithin(() => SafeTensorsCheckpoint.Open(folder).Dispose(), fifo);
        AssertNotRegular(e, fifo, "named pipe");
        Assert.NotNull(((SafeTensorsIndexException)e).Key);
        Assert.Contains(written.IndexPath, e.Message);

        string indexFifo = MakeFifo("other.safetensors.index.json");
        AssertNotRegular(FailsWithin(() => SafeTensorsCheckpoint.Open(indexFifo).Dispose(), indexFifo), indexFifo, "named pipe");
    }

    [Fact]
    public void ALinkToANamedPipeIsRefusedNamingTheLink()
    {
        if (!OperatingSystem.IsLinux())
            return;
        string fifo = MakeFifo("pipe");
        string link = _folder.File("model.safetensors");
        File.CreateSymbolicLink(link, fifo);

        AssertNotRegular(FailsWithin(() => SafeTensorsCheckpoint.Open(link).Dispose(), fifo), link, "named pipe");
    }

    [Fact]
    public void ADeviceOrADirectoryWhereAFileIsExpectedIsRefused()
    {
        if (!OperatingSystem.IsLinux())
            return;
        AssertNotRegular(Assert.ThrowsAny<Exception>(() => SafeTensorsFile.Open("/dev/zero").Dispose()), "/dev/zero", "character device");

        string folder = _folder.File("sharded");
        var written = SafeTensorsShardedWriter.Write(folder, [new("a", TorchSharp.torch.ones(64)), new("b", TorchSharp.torch.zeros(64))], maxShardBytes: 256);
        string shard = written.ShardPaths[0];
        File.Delete(shard);
        Directory.CreateDirectory(shard);
        AssertNotRegular(Assert.ThrowsAny<Exception>(() => SafeTensorsCheckpoint.Open(written.IndexPath).Dispose()), shard, "directory");
    }
}
