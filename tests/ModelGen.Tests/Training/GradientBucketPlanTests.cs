using ModelGen.Training;
using static TorchSharp.torch;

namespace ModelGen.Tests.Training;

/// <summary>The DDP bucket plan: reverse parameter order, one dtype per bucket, closed at the cap.</summary>
public sealed class GradientBucketPlanTests
{
    [Fact]
    public void BucketsFillInReverseOrderAndCloseAtTheCap()
    {
        // Three 10-float parameters, a 20-float cap: the last two share a bucket, the first gets the next.
        var buckets = GradientBucketPlan.Plan([(ScalarType.Float32, 10), (ScalarType.Float32, 10), (ScalarType.Float32, 10)], 80);

        Assert.Equal([[2, 1], [0]], buckets.Select(b => b.Parameters.ToArray()));
        Assert.Equal([20L, 10L], buckets.Select(b => b.Elements));
    }

    [Fact]
    public void EachBucketHoldsOneDType()
    {
        var buckets = GradientBucketPlan.Plan([(ScalarType.Float32, 4), (ScalarType.BFloat16, 4), (ScalarType.Float32, 4)], 1 << 20);

        Assert.Equal(2, buckets.Count);
        Assert.Equal([ScalarType.Float32, ScalarType.BFloat16], buckets.Select(b => b.DType));
        Assert.Equal([[2, 0], [1]], buckets.Select(b => b.Parameters.ToArray()));
    }

    [Fact]
    public void AParameterLargerThanTheCapGetsABucketOfItsOwn()
    {
        var buckets = GradientBucketPlan.Plan([(ScalarType.Float32, 100), (ScalarType.Float32, 1), (ScalarType.Float32, 1)], 16);

        Assert.Equal([[2, 1], [0]], buckets.Select(b => b.Parameters.ToArray()));
    }

    [Fact]
    public void TheCapMustBePositive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientBucketPlan.Plan([(ScalarType.Float32, 1)], 0));
}
