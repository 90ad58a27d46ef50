using ModelGen.Distributed;
using ModelGen.Training;
using static TorchSharp.torch;

namespace ModelGen.Tests.Training;

/// <summary>Replicated training in one process: averaging over one rank keeps every gradient, clipping is torch's, failures are agreed.</summary>
public sealed class ReplicatedTrainingTests
{
    private static (nn.Module<Tensor, Tensor> Model, Tensor Input) Setup(int seed)
    {
        manual_seed(seed);
        var model = nn.Sequential(("fc1", nn.Linear(6, 5)), ("act", nn.Tanh()), ("fc2", nn.Linear(5, 3)));
        return (model, randn(4, 6));
    }

    private static ReplicatedTraining Create(nn.Module model, long bucketBytes = ReplicatedTrainingOptions.DefaultBucketBytes) =>
        ReplicatedTraining.Create(model, new ReplicatedTrainingOptions { ProcessGroup = ProcessGroups.Single(), BucketBytes = bucketBytes });

    [Fact]
    public void BackwardKeepsTheGradientsOfOneRankInAnyBucketSize()
    {
        var (plain, input) = Setup(1);
        using Tensor plainLoss = plain.call(input).pow(2).mean();
        plainLoss.backward();

        foreach (long bucketBytes in new[] { ReplicatedTrainingOptions.DefaultBucketBytes, 24 })
        {
            var (model, _) = Setup(1);
            ReplicatedTraining training = Create(model, bucketBytes);
            Assert.Equal(bucketBytes == 24 ? 4 : 1, training.BucketCount);
            using Tensor loss = training.Forward(() => model.call(input).pow(2).mean());
            training.Backward(loss);
            foreach (var (expected, actual) in plain.parameters().Zip(model.parameters()))
                Assert.True(allclose(expected.grad!, actual.grad!), "a gradient changed in averaging over one rank");
        }
    }

    [Fact]
    public void AParameterWithoutAGradientKeepsNone()
    {
        manual_seed(2);
        var fc2 = nn.Linear(5, 3);
        var model = nn.Sequential(("fc1", nn.Linear(6, 5)), ("fc2", fc2));
        using Tensor input = randn(4, 5);
        ReplicatedTraining training = Create(model);
        // Only fc2 takes part: fc1's parameters get no gradient.
        using Tensor loss = training.Forward(() => fc2.call(input).sum());
        training.Backward(loss);

        var grads = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad);
        Assert.Null(grads["fc1.weight"]);
        Assert.NotNull(grads["fc2.weight"]);
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(1.0)]
    [InlineData(double.PositiveInfinity)]
    public void ClippingMatchesTorchClipGradNorm(double normType)
    {
        var (plain, input) = Setup(3);
        var (model, _) = Setup(3);
        using Tensor plainLoss = plain.call(input).pow(2).sum();
        plainLoss.backward();
        double expected = nn.utils.clip_grad_norm_(plain.parameters(), 0.05, normType);

        ReplicatedTraining training = Create(model);
        using Tensor loss = training.Forward(() => model.call(input).pow(2).sum());
        training.Backward(loss);
        double norm = training.ClipGradNorm(0.05, normType);

        Assert.True(norm > 0.05, $"clipping must be active: {norm}");
        Assert.Equal(expected, norm, 4);
        foreach (var (want, got) in plain.parameters().Zip(model.parameters()))
            Assert.True(allclose(want.grad!, got.grad!, rtol: 1e-5, atol: 1e-8), "a clipped gradient differs from torch's");
    }

    [Fact]
    public void ClippingBelowTheNormLeavesGradientsAlone()
    {
        var (model, input) = Setup(4);
        ReplicatedTraining training = Create(model);
        using Tensor loss = training.Forward(() => model.call(input).sum());
        training.Backward(loss);
        Tensor[] before = model.parameters().Select(p => p.grad!.clone()).ToArray();

        double norm = training.ClipGradNorm(1e6);

        Assert.True(norm > 0);
        foreach (var (was, parameter) in before.Zip(model.parameters()))
            TensorAssert.Equal(was, parameter.grad!);
    }

    [Fact]
    public void AFailingOrNonScalarLossIsTheSameErrorOnEveryRank()
    {
        var (model, input) = Setup(5);
        ReplicatedTraining training = Create(model);

        var thrown = Assert.Throws<DistributedLoadException>(() => training.Forward(() => throw new InvalidOperationException("no batch")));
        Assert.Equal(0, thrown.FailingRank);
        Assert.Contains("no batch", thrown.Message, StringComparison.Ordinal);

        var shaped = Assert.Throws<DistributedLoadException>(() => training.Forward(() => model.call(input)));
        Assert.Contains("single value", shaped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadOptionsAreRefused()
    {
        var (model, _) = Setup(6);
        Assert.Throws<ArgumentOutOfRangeException>(() => Create(model, 0));
        ReplicatedTraining training = Create(model);
        Assert.Throws<ArgumentOutOfRangeException>(() => training.ClipGradNorm(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => training.ClipGradNorm(1, 0));
    }
}
