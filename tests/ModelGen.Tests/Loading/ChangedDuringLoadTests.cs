using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.SafeTensors;
using static TorchSharp.torch;

namespace ModelGen.Tests.Loading;

/// <summary>
/// A checkpoint file changed while the load runs (here from the progress callback, which runs during the load, after
/// rank 0 mapped or read the tensors): the load does not report success, it throws the typed rule naming the file.
/// </summary>
public sealed class ChangedDuringLoadTests : IDisposable
{
    private readonly CheckpointFixture _files = new();

    public void Dispose() => _files.Dispose();

    private sealed class OnFirstTensor(Action change) : IProgress<LoadProgress>
    {
        private bool _done;

        public void Report(LoadProgress value)
        {
            if (_done) return;
            _done = true;
            change();
        }
    }

    private SafeTensorsFormatException LoadWhile(string path, bool map, Action change)
    {
        HandWrittenModel model = MetaConstruction.Build(() => new HandWrittenModel());
        var options = new LoadOptions { ProcessGroup = ProcessGroups.Single(), MapCheckpoint = map, Progress = new OnFirstTensor(change) };
        var e = Assert.Throws<SafeTensorsFormatException>(() => ShardedLoader.Load(model, path, options));
        Assert.Equal(path, e.FilePath);
        Assert.Contains(path, e.Message);
        return e;
    }

    private string Write() => _files.Write("full.safetensors", ScalarType.Float32, CheckpointFixture.FullModel()).Path;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AFileGrownDuringTheLoadIsTheFileChangedRule(bool map)
    {
        string path = Write();

        var e = LoadWhile(path, map, () =>
        {
            using var file = new FileStream(path, FileMode.Append, FileAccess.Write);
            file.Write(new byte[16]);
        });

        Assert.Equal(SafeTensorsRule.FileChanged, e.Rule);
        Assert.Contains($"{new FileInfo(path).Length} bytes", e.Message);
    }

    [Fact]
    public void AFileRewrittenInPlaceDuringTheLoadIsTheFileChangedRule()
    {
        string path = Write();

        var e = LoadWhile(path, map: true, () =>
        {
            // Same bytes, same length: only the modification time says the file was written.
            File.WriteAllBytes(path, File.ReadAllBytes(path));
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        });

        Assert.Equal(SafeTensorsRule.FileChanged, e.Rule);
    }

    [Fact]
    public void AFileCutShortDuringAnUnmappedLoadIsTheShortReadRule()
    {
        // Unmapped, so nothing of the file is mapped when it is cut (a mapped page past the new end would fault).
        string path = Write();

        var e = LoadWhile(path, map: false, () =>
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
            file.SetLength(file.Length - 8);
        });

        Assert.Equal(SafeTensorsRule.UnexpectedEndOfFile, e.Rule);
    }

    [Fact]
    public void AnUnchangedFileLoadsAsBefore()
    {
        string path = Write();
        HandWrittenModel model = MetaConstruction.Build(() => new HandWrittenModel());

        LoadReport report = ShardedLoader.Load(model, path, new LoadOptions { ProcessGroup = ProcessGroups.Single(), Progress = new OnFirstTensor(() => File.ReadAllBytes(path)) });

        Assert.Equal(3, report.LoadedKeys.Count);
    }
}
