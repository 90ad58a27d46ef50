using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.SafeTensors;
using TorchSharp;

namespace ModelGen.Tests.Loading;

/// <summary>
/// The exception contract of a load: a checkpoint error on rank 0 surfaces as the same <see cref="SafeTensorsException"/>
/// type with the same rule, file, key and detail on every rank and for any number of ranks; other failures are a
/// <see cref="DistributedLoadException"/>. The agreement is the real one; the ranks around it are scripted.
/// </summary>
public sealed class FailureContractTests : IDisposable
{
    private readonly CheckpointFixture _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>One rank of three; the max-reduction and the broadcast message are what the other ranks would deliver.</summary>
    private sealed class ScriptedRank(int rank, long highestVote, byte[]? delivered = null) : IProcessGroup
    {
        public byte[]? Sent { get; private set; }
        public string Backend => "scripted";
        public int Rank => rank;
        public int Size => 3;
        public int LocalRank => rank;
        public int LocalSize => 3;
        public void Broadcast(Span<byte> buffer, int root = 0) => throw new NotSupportedException();
        public void Broadcast(torch.Tensor tensor, int root = 0) => throw new NotSupportedException();
        public void BroadcastNative(nint address, long byteCount, int root = 0) => throw new NotSupportedException();

        public byte[] BroadcastMessage(ReadOnlySpan<byte> payload, int root = 0)
        {
            if (root == rank) return Sent = payload.ToArray();
            return delivered ?? throw new InvalidOperationException("nothing scripted to deliver");
        }

        public long AllReduceMax(long value) => Math.Max(value, highestVote);
        public TimeSpan Timeout { get; set; } = ProcessGroupTimeout.Default;
        public void AllGather(torch.Tensor input, torch.Tensor output) => throw new NotSupportedException();
        public void AllReduce(torch.Tensor tensor, ReduceOp op = ReduceOp.Sum) => throw new NotSupportedException();
        public void ReduceScatter(torch.Tensor input, torch.Tensor output, ReduceOp op = ReduceOp.Sum) => throw new NotSupportedException();
        public void ScatterNative(nint sendAddress, ReadOnlySpan<long> byteCounts, ReadOnlySpan<long> byteOffsets, nint receiveAddress, long receiveBytes, int root = 0) => throw new NotSupportedException();
        public void GatherNative(nint sendAddress, long sendBytes, nint receiveAddress, ReadOnlySpan<long> byteCounts, ReadOnlySpan<long> byteOffsets, int root = 0) => throw new NotSupportedException();
        public void Barrier() { }
        public DistributedLoadException? AgreeOnError(Exception? localFailure) => ErrorAgreement.Agree(this, localFailure);
        [System.Diagnostics.CodeAnalysis.DoesNotReturn]
        public void Abort(int errorCode) => throw new InvalidOperationException($"abort {errorCode}");
        public void Dispose() { }
    }

    private static T Thrown<T>(IProcessGroup group, Exception? failure) where T : Exception =>
        Assert.Throws<T>(() => group.ThrowIfAnyRankFailed(failure));

    [Fact]
    public void ACheckpointErrorOnRankZeroIsTheSameTypedErrorOnEveryRank()
    {
        var original = new SafeTensorsIndexException(SafeTensorsRule.ShardFileMissing, "/data/ckpt/model-00002.safetensors", "layers.3.weight", "the index maps keys to this file, which does not exist.");
        // Wrapped, as the transfer pipeline wraps a read failure with the model and the tensor.
        var wrapped = new InvalidOperationException("Model: rank 0 failed reading 'layers.3.weight'", original);
        var rankZero = new ScriptedRank(0, highestVote: 3);

        var onZero = Thrown<SafeTensorsIndexException>(rankZero, wrapped);
        var onTwo = Thrown<SafeTensorsIndexException>(new ScriptedRank(2, highestVote: 3, rankZero.Sent), null);

        foreach (SafeTensorsIndexException e in new[] { onZero, onTwo })
        {
            Assert.Equal(original.Rule, e.Rule);
            Assert.Equal(original.FilePath, e.FilePath);
            Assert.Equal(original.Key, e.Key);
            Assert.Equal(original.Detail, e.Detail);
            Assert.Equal(original.Message, e.Message);
            var agreed = Assert.IsType<DistributedLoadException>(e.InnerException);
            Assert.Equal(0, agreed.FailingRank);
            Assert.Equal(3, agreed.WorldSize);
            Assert.Same(e, agreed.CheckpointFailure);
        }
        // The failing rank keeps its own failure, with its stack, one level further in.
        Assert.Same(wrapped, onZero.InnerException!.InnerException);
        Assert.Null(onTwo.InnerException!.InnerException);
    }

    [Theory]
    [InlineData(SafeTensorsRule.FileLengthMismatch, null)]
    [InlineData(SafeTensorsRule.UnexpectedEndOfFile, "embed.weight")]
    public void EachKindOfCheckpointErrorIsRebuiltAsItsOwnType(SafeTensorsRule rule, string? key)
    {
        SafeTensorsException[] originals =
        [
            new SafeTensorsFormatException(rule, "f.safetensors", key, "detail"),
            new SafeTensorsReadException(rule, "f.safetensors", key, "detail"),
        ];
        foreach (SafeTensorsException original in originals)
        {
            var rankZero = new ScriptedRank(0, highestVote: 3);
            Assert.Throws(original.GetType(), () => rankZero.ThrowIfAnyRankFailed(original));
            var rebuilt = Assert.IsAssignableFrom<SafeTensorsException>(
                Assert.Throws(original.GetType(), () => new ScriptedRank(1, 3, rankZero.Sent).ThrowIfAnyRankFailed(null)));
            Assert.Equal((original.Rule, original.FilePath, original.Key), (rebuilt.Rule, rebuilt.FilePath, rebuilt.Key));
        }
    }

    [Fact]
    public void OtherFailuresStayDistributedLoadExceptions()
    {
        var rankZero = new ScriptedRank(0, highestVote: 3);
        var onZero = Thrown<DistributedLoadException>(rankZero, new InvalidOperationException("out of memory for 'x'"));
        var onOne = Thrown<DistributedLoadException>(new ScriptedRank(1, 3, rankZero.Sent), null);

        Assert.Null(onZero.CheckpointFailure);
        Assert.Null(onOne.CheckpointFailure);
        Assert.Equal(onZero.Message, onOne.Message);
        Assert.Contains("out of memory for 'x'", onOne.RankMessage);
    }

    [Fact]
    public void InOneProcessATruncatedFileIsTheFormatExceptionItself()
    {
        var (path, _) = _files.Write("full.safetensors", torch.ScalarType.Float32, CheckpointFixture.FullModel());
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^8]);
        var model = MetaConstruction.Build(() => new HandWrittenModel());

        var e = Assert.Throws<SafeTensorsFormatException>(() => ShardedLoader.Load(model, path, new LoadOptions { ProcessGroup = ProcessGroups.Single() }));

        Assert.Equal(SafeTensorsRule.FileLengthMismatch, e.Rule);
        Assert.Equal(path, e.FilePath);
        var agreed = Assert.IsType<DistributedLoadException>(e.InnerException);
        Assert.Equal((0, 1), (agreed.FailingRank, agreed.WorldSize));
        // What a direct open throws, the load throws: same rule, file and detail.
        var direct = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsCheckpoint.Open(path));
        Assert.Equal((direct.Rule, direct.FilePath, direct.Key, direct.Detail), (e.Rule, e.FilePath, e.Key, e.Detail));
    }

    [Fact]
    public async Task ANamedPipeGivenToTheLoaderIsRefusedWithTheTypedRuleInsteadOfWaiting()
    {
        if (!OperatingSystem.IsLinux())
            return;
        string fifo = Path.Combine(_files.Folder, "model.safetensors");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
            mkfifo.WaitForExit();
        var model = MetaConstruction.Build(() => new HandWrittenModel());

        Task<Exception> load = Task.Run(() => Record(() => ShardedLoader.Load(model, fifo, new LoadOptions { ProcessGroup = ProcessGroups.Single() })));
        if (await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(20))) != load)
        {
            using (new FileStream(fifo, FileMode.Open, FileAccess.Write)) { } // releases the blocked open
            Assert.Fail("the load is still blocked opening the named pipe");
        }

        var e = Assert.IsType<SafeTensorsIndexException>(await load);
        Assert.Equal(SafeTensorsRule.NotARegularFile, e.Rule);
        Assert.Equal(fifo, e.FilePath);
    }

    private static Exception Record(Action action)
    {
        try
        {
            action();
        }
#pragma warning disable CA1031 // The test inspects whatever the load threw.
        catch (Exception e)
        {
            return e;
        }
#pragma warning restore CA1031
        throw new Xunit.Sdk.XunitException("the load succeeded but should have been refused");
    }
}
