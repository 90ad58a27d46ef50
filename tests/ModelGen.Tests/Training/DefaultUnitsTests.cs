using ModelGen.Distributed;
using ModelGen.Sharding;
using ModelGen.Tests.Loading;
using ModelGen.Training;
using static TorchSharp.torch;

namespace ModelGen.Tests.Training;

/// <summary>
/// The default units make an embedding and a head outside the module lists units of their own: they are gathered
/// only while they run, training stays exact, and the bytes handed to collectives are counted per step.
/// </summary>
public sealed class DefaultUnitsTests : IDisposable
{
    private const long OneMiB = 1L << 20;
    private readonly CheckpointFixture _files = new();
    private readonly string _path;

    public DefaultUnitsTests() => _path = _files.Write("large-root.safetensors", ScalarType.Float32, LargeRootTestModel.Checkpoint()).Path;

    public void Dispose() => _files.Dispose();

    private LargeRootTestModel Load(TensorPlacement placement) => OneProcessLoad.Load(() => new LargeRootTestModel(), _path, placement);

    private static Tensor Ids(int seed)
    {
        using var generator = new TorchSharp.torch.Generator((ulong)seed);
        return randint(0, LargeRootTestModel.Vocab, [2, 8], dtype: ScalarType.Int64, generator: generator);
    }

    private static Tensor Loss(LargeRootTestModel model, Tensor ids)
    {
        using Tensor logits = model.call(ids);
        using Tensor squared = logits.pow(2);
        return squared.mean();
    }

    [Fact]
    public void TheEmbeddingAndTheHeadAreUnitsOfTheirOwnAndTrainingStaysExact()
    {
        LargeRootTestModel plain = Load(TensorPlacement.Replicated);
        LargeRootTestModel sharded = Load(TensorPlacement.FullyShard);
        using var training = ShardedTraining.Attach(sharded);
        using var plainOptimizer = optim.AdamW(plain.parameters(), lr: 0.01);
        using var shardedOptimizer = optim.AdamW(sharded.parameters(), lr: 0.01);

        Assert.Equal(["blocks.0", "embed", "head", "norm", ""], training.Units.Select(u => u.Name));
        Assert.Equal(["scale"], training.Units[^1].Keys);

        for (int step = 0; step < 2; step++)
        {
            using Tensor ids = Ids(step);
            plainOptimizer.zero_grad();
            shardedOptimizer.zero_grad();
            using Tensor plainLoss = Loss(plain, ids);
            plainLoss.backward();
            double plainNorm = nn.utils.clip_grad_norm_(plain.parameters(), 0.01);

            CollectiveTraffic before = training.Traffic;
            using Tensor loss = training.Forward(() => Loss(sharded, ids));
            training.Backward(loss);
            double norm = training.ClipGradNorm(0.01);
            CollectiveTraffic traffic = training.Traffic - before;

            Assert.True(Math.Abs(plainLoss.item<float>() - loss.item<float>()) <= 1e-5 * Math.Abs(plainLoss.item<float>()), $"loss {loss.item<float>()} instead of {plainLoss.item<float>()}");
            Assert.True(Math.Abs(plainNorm - norm) <= 1e-5 * plainNorm, $"norm {norm} instead of {plainNorm}");
            Assert.True(norm > 0.01, $"clipping must be active: {norm}");
            AssertGradientsEqual(plain, sharded);
            plainOptimizer.step();
            shardedOptimizer.step();

            // One rank: every unit gathered twice (forward, recomputation), the root once; every gradient reduced once.
            long unitBytes = 2 * LargeRootTestModel.Vocab * LargeRootTestModel.Width * 4L + (LargeRootTestModel.Width + 2) * LargeRootTestModel.Width * 4L;
            long rootBytes = LargeRootTestModel.Vocab * 4L;
            Assert.Equal(2 * unitBytes + rootBytes, traffic.AllGatherBytes);
            Assert.Equal(unitBytes + rootBytes, traffic.ReduceScatterBytes);
            Assert.Equal(1, traffic.Ranks);
            Assert.Equal(0, traffic.LeastSentBytes);
        }
        foreach (var (name, parameter) in sharded.named_parameters())
        {
            var want = plain.named_parameters().Single(p => p.name == name).parameter;
            Assert.True(allclose(want, parameter, rtol: 1e-5, atol: 1e-6), $"'{name}' differs after training");
        }
        // The embedding and the head (1 MiB each) were never gathered together, nor with the block: one plus the root's scale.
        Assert.True(training.PeakGatheredBytes <= OneMiB + LargeRootTestModel.Vocab * 4L, $"peak gathered {training.PeakGatheredBytes} bytes");
    }

    [Fact]
    public void ReduceScatterWindowsSmallerThanAGradientGiveTheSameGradients()
    {
        LargeRootTestModel whole = Load(TensorPlacement.FullyShard);
        LargeRootTestModel windowed = Load(TensorPlacement.FullyShard);
        using var wholeTraining = ShardedTraining.Attach(whole);
        using var windowedTraining = ShardedTraining.Attach(windowed, new ShardedTrainingOptions { BucketBytes = 1000 });
        using Tensor ids = Ids(7);

        using Tensor wholeLoss = wholeTraining.Forward(() => Loss(whole, ids));
        wholeTraining.Backward(wholeLoss);
        using Tensor windowedLoss = windowedTraining.Forward(() => Loss(windowed, ids));
        windowedTraining.Backward(windowedLoss);

        AssertGradientsEqual(whole, windowed);
    }

    [Fact]
    public void ModulesOutsideTheListsStayInTheRootWhenAllAreBelowOneMiB()
    {
        // UnitTestModel's head holds only a tied weight, and its scale sits at the root: nothing but the blocks.
        var path = _files.Write("units.safetensors", ScalarType.Float32, UnitTestModel.Checkpoint()).Path;
        UnitTestModel model = OneProcessLoad.Load(() => new UnitTestModel(), path, TensorPlacement.FullyShard);
        using var forward = ShardedForward.Attach(model);
        Assert.Equal(["blocks.0", "blocks.1", ""], forward.Units.Select(u => u.Name));
    }

    [Fact]
    public void ReplicatedTrainingCountsOneAllReduceOfEveryGradientPerStep()
    {
        LargeRootTestModel model = Load(TensorPlacement.Replicated);
        var training = ReplicatedTraining.Create(model, new ReplicatedTrainingOptions { ProcessGroup = ProcessGroups.Single() });
        using Tensor ids = Ids(3);
        CollectiveTraffic before = training.Traffic;
        using Tensor loss = training.Forward(() => Loss(model, ids));
        training.Backward(loss);
        training.ClipGradNorm(1.0);
        CollectiveTraffic traffic = training.Traffic - before;

        long parameterBytes = model.parameters().Sum(p => p.numel() * 4);
        Assert.Equal(parameterBytes + 4L * model.parameters().Count(), traffic.AllReduceBytes);
        Assert.Equal(0, traffic.AllGatherBytes + traffic.ReduceScatterBytes);
        Assert.Equal(traffic.AllReduceBytes, traffic.HandedBytes);
    }

    [Fact]
    public void TheLeastSentBytesFollowTheCollectivesArithmetic()
    {
        var traffic = new CollectiveTraffic(3, AllReduceBytes: 300, AllGatherBytes: 600, ReduceScatterBytes: 300);
        // 2(N-1)/N of the all-reduce, (N-1)/N of the gathers and of the reduce-scatter input.
        Assert.Equal(2.0 * 300 * 2 / 3 + 600 * 2.0 / 3 + 300 * 2.0 / 3, traffic.LeastSentBytes, 9);
        Assert.Equal(new CollectiveTraffic(3, 100, 200, 0), traffic - new CollectiveTraffic(3, 200, 400, 300));
    }

    private static void AssertGradientsEqual(LargeRootTestModel expected, LargeRootTestModel actual)
    {
        var want = expected.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in actual.named_parameters())
        {
            using Tensor? grad = parameter.grad;
            using Tensor? wanted = want[name].grad;
            Assert.True(grad is not null && wanted is not null, $"'{name}' has no gradient");
            Assert.True(allclose(wanted, grad, rtol: 1e-5, atol: 1e-8), $"'{name}': gradients differ");
        }
    }
}
