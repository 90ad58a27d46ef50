using ModelGen.Distributed;
using ModelGen.Sharding;
using ModelGen.Tests.Loading;
using ModelGen.Training;
using static TorchSharp.torch;

namespace ModelGen.Tests.Training;

/// <summary>
/// Sharded training in one process (one rank holds every row): the recomputed units, the root kept gathered and the
/// reduce-scatter give exactly the gradients and steps of the plain model, failures leave it usable.
/// </summary>
public sealed class ShardedTrainingTests : IDisposable
{
    private readonly CheckpointFixture _files = new();
    private readonly string _path;

    public ShardedTrainingTests() => _path = _files.Write("units.safetensors", ScalarType.Float32, UnitTestModel.Checkpoint()).Path;

    public void Dispose() => _files.Dispose();

    private UnitTestModel Load(TensorPlacement placement) => OneProcessLoad.Load(() => new UnitTestModel(), _path, placement);

    private static Tensor Batch(int seed)
    {
        manual_seed(seed);
        return randn(3, UnitTestModel.Width);
    }

    private static Tensor Loss(UnitTestModel model, Tensor input)
    {
        using Tensor output = model.call(input);
        using Tensor squared = output.pow(2);
        return squared.mean();
    }

    [Fact]
    public void GradientsClippingAndStepsEqualThePlainModels()
    {
        UnitTestModel plain = Load(TensorPlacement.Replicated);
        UnitTestModel sharded = Load(TensorPlacement.FullyShard);
        using var training = ShardedTraining.Attach(sharded);
        using var plainOptimizer = optim.AdamW(plain.parameters(), lr: 0.05);
        using var shardedOptimizer = optim.AdamW(sharded.parameters(), lr: 0.05);
        Assert.Equal(["blocks.0", "blocks.1", ""], training.Units.Select(u => u.Name));

        for (int step = 0; step < 3; step++)
        {
            using Tensor input = Batch(step);
            plainOptimizer.zero_grad();
            shardedOptimizer.zero_grad();
            using Tensor plainLoss = Loss(plain, input);
            plainLoss.backward();
            double plainNorm = nn.utils.clip_grad_norm_(plain.parameters(), 0.1);

            using Tensor loss = training.Forward(() => Loss(sharded, input));
            training.Backward(loss);
            double norm = training.ClipGradNorm(0.1);

            Assert.Equal(plainLoss.item<float>(), loss.item<float>(), 6);
            Assert.Equal(plainNorm, norm, 5);
            Assert.True(norm > 0.1, $"clipping must be active: {norm}");
            AssertGradientsEqual(plain, sharded);
            plainOptimizer.step();
            shardedOptimizer.step();
        }
        AssertParametersEqual(plain, sharded);
        Assert.True(training.PeakGatheredBytes > 0);
    }

    [Fact]
    public void AForwardInsideADisposeScopeKeepsWhatTheRecomputationNeeds()
    {
        // Models commonly run their forward in a NewDisposeScope: a unit's saved inputs and generator state, made
        // inside it, must outlive it until backward recomputes the unit.
        UnitTestModel plain = Load(TensorPlacement.Replicated);
        UnitTestModel sharded = Load(TensorPlacement.FullyShard);
        using var training = ShardedTraining.Attach(sharded);
        using Tensor input = Batch(7);
        using Tensor plainLoss = Loss(plain, input);
        plainLoss.backward();

        using Tensor loss = training.Forward(() =>
        {
            using var scope = NewDisposeScope();
            return Loss(sharded, input).MoveToOuterDisposeScope();
        });
        training.Backward(loss);
        Assert.Equal(plainLoss.item<float>(), loss.item<float>(), 6);
        AssertGradientsEqual(plain, sharded);
    }

    [Fact]
    public void GradientsAccumulateOverTwoBackwardCallsAsInOneProcess()
    {
        UnitTestModel plain = Load(TensorPlacement.Replicated);
        UnitTestModel sharded = Load(TensorPlacement.FullyShard);
        using var training = ShardedTraining.Attach(sharded);
        foreach (int seed in new[] { 1, 2 })
        {
            using Tensor input = Batch(seed);
            using Tensor plainLoss = Loss(plain, input);
            plainLoss.backward();
            using Tensor loss = training.Forward(() => Loss(sharded, input));
            training.Backward(loss);
        }
        AssertGradientsEqual(plain, sharded);
    }

    [Fact]
    public void AForwardPassWithoutGradientsIsTheGatheredInferencePass()
    {
        UnitTestModel plain = Load(TensorPlacement.Replicated);
        UnitTestModel sharded = Load(TensorPlacement.FullyShard);
        using var training = ShardedTraining.Attach(sharded);
        using Tensor input = Batch(5);
        using var noGrad = no_grad();
        using Tensor expected = plain.call(input);
        using Tensor actual = sharded.call(input);
        TensorAssert.Equal(expected, actual);
        Assert.False(actual.requires_grad);
    }

    [Fact]
    public void AFailingLossIsAgreedAndTheNextStepStillTrains()
    {
        UnitTestModel plain = Load(TensorPlacement.Replicated);
        UnitTestModel sharded = Load(TensorPlacement.FullyShard);
        using var training = ShardedTraining.Attach(sharded);
        using Tensor input = Batch(3);

        var failure = Assert.Throws<DistributedLoadException>(() => training.Forward(() =>
        {
            using Tensor output = sharded.call(input);
            throw new InvalidOperationException("the labels are missing");
        }));
        Assert.Contains("the labels are missing", failure.Message, StringComparison.Ordinal);
        Assert.True(is_grad_enabled());

        using Tensor plainLoss = Loss(plain, input);
        plainLoss.backward();
        using Tensor loss = training.Forward(() => Loss(sharded, input));
        training.Backward(loss);
        AssertGradientsEqual(plain, sharded);
    }

    [Fact]
    public void BackwardWithoutATrainingForwardIsAnAgreedError()
    {
        UnitTestModel sharded = Load(TensorPlacement.FullyShard);
        using var training = ShardedTraining.Attach(sharded);
        using Tensor loss = ones(1, requires_grad: true).sum();

        var failure = Assert.Throws<DistributedLoadException>(() => training.Backward(loss));

        Assert.Contains("needs a forward pass of the model with gradients enabled", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AReplicatedModelCannotBeTrainedSharded()
    {
        UnitTestModel plain = Load(TensorPlacement.Replicated);
        Assert.Throws<InvalidOperationException>(() => ShardedTraining.Attach(plain));
        Assert.Throws<ArgumentException>(() => ShardedTraining.Attach(Load(TensorPlacement.FullyShard), new ShardedTrainingOptions { Units = ["nowhere"] }));
    }

    private static void AssertGradientsEqual(UnitTestModel expected, UnitTestModel actual)
    {
        var want = expected.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in actual.named_parameters())
        {
            using Tensor? grad = parameter.grad;
            using Tensor? wanted = want[name].grad;
            Assert.True(grad is not null && wanted is not null, $"'{name}' has no gradient");
            Assert.True(allclose(wanted, grad, rtol: 1e-5, atol: 1e-7), $"'{name}': gradient {grad.ToString(TorchSharp.TensorStringStyle.Julia)} instead of {wanted.ToString(TorchSharp.TensorStringStyle.Julia)}");
        }
    }

    private static void AssertParametersEqual(UnitTestModel expected, UnitTestModel actual)
    {
        var want = expected.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in actual.named_parameters())
            Assert.True(allclose(want[name], parameter, rtol: 1e-5, atol: 1e-7), $"'{name}' differs after training");
    }
}
