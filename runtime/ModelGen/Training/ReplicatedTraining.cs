using ModelGen.Distributed;
using TorchSharp;

namespace ModelGen.Training;

/// <summary>
/// Data-parallel training of a model held whole on every rank (DDP style): each rank computes the loss of its own
/// micro-batch, and after backward the gradients are averaged over the ranks in buckets, so that any TorchSharp
/// optimizer then takes the same step on every rank.
/// </summary>
/// <remarks>
/// <para>The averaging runs after backward, not during it: TorchSharp 0.107 has no gradient hooks on tensors or on
/// autograd's gradient accumulation, so nothing tells a bucket that its last gradient is ready while backward still
/// runs. Buckets are planned once, in reverse parameter order, one dtype each, capped at
/// <see cref="ReplicatedTrainingOptions.BucketBytes"/>; the first bucket is no smaller than the others (PyTorch's 1 MiB
/// first bucket only serves the overlap).</para>
/// <para>Every step agrees with every rank on failures: a rank whose loss or backward throws ends every rank with the
/// same <see cref="DistributedLoadException"/>, and a rank that dies ends the job.</para>
/// </remarks>
public sealed class ReplicatedTraining
{
    private readonly IProcessGroup _group;
    private readonly GradientAverager _averager;
    private readonly TrafficCounter _traffic;

    private ReplicatedTraining(IProcessGroup group, GradientAverager averager, TrafficCounter traffic)
    {
        _group = group;
        _averager = averager;
        _traffic = traffic;
    }

    /// <summary>The ranks gradients are averaged over.</summary>
    public IProcessGroup Group => _group;

    /// <summary>
    /// The bytes this rank handed to collectives since <see cref="Create"/> (read it before and after a step for the step's
    /// share): per step, one all-reduce of every trainable gradient (P bytes in buckets) and a presence mask of one float
    /// per parameter.
    /// </summary>
    public CollectiveTraffic Traffic => _traffic.Total;

    /// <summary>The number of fused all-reduces per step (the buckets).</summary>
    public int BucketCount => _averager.Buckets.Count;

    /// <summary>
    /// Prepares data-parallel training of <paramref name="model"/>'s trainable parameters (those with
    /// <c>requires_grad</c>). A collective: every rank calls it, and it fails on every rank alike when the ranks' models
    /// differ in their trainable tensors.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The bucket size is not positive.</exception>
    /// <exception cref="DistributedLoadException">The ranks hold different trainable tensors (the same error on every rank).</exception>
    public static ReplicatedTraining Create(torch.nn.Module model, ReplicatedTrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new ReplicatedTrainingOptions();
        if (options.BucketBytes <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.BucketBytes, $"{nameof(ReplicatedTrainingOptions.BucketBytes)} must be positive.");
        IProcessGroup group = options.ProcessGroup ?? ProcessGroups.FromEnvironment();
        if (options.MapLargeAllocations) LargeAllocations.MapFromSystem();
        var parameters = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, (torch.Tensor)p.parameter)).ToList();
        var traffic = new TrafficCounter(group.Size);
        return new ReplicatedTraining(group, new GradientAverager(group, parameters, options.BucketBytes, nameof(ReplicatedTraining), traffic), traffic);
    }

    /// <summary>
    /// Runs this rank's forward pass and loss (<paramref name="computeLoss"/>), then agrees with every rank: if any
    /// rank's threw, every rank throws the same <see cref="DistributedLoadException"/>.
    /// </summary>
    /// <returns>This rank's loss (a single value).</returns>
    public torch.Tensor Forward(Func<torch.Tensor> computeLoss) => TrainingSteps.Forward(_group, computeLoss);

    /// <summary>
    /// Backward from this rank's <paramref name="loss"/>, then the gradients averaged over the ranks
    /// (<see cref="SynchronizeGradients"/>). With a mean loss over equal micro-batches, the result is the gradient of the
    /// mean loss over all of them, as one process would compute it.
    /// </summary>
    /// <exception cref="DistributedLoadException">Some rank's backward failed (the same error on every rank).</exception>
    public void Backward(torch.Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        _group.ThrowIfAnyRankFailed(LocalFailure.Of(loss.backward));
        SynchronizeGradients();
    }

    /// <summary>
    /// Replaces every trainable parameter's gradient by its average over the ranks, for a backward run by the caller.
    /// A collective. A parameter without a gradient on some rank counts as zeros there; one without a gradient on
    /// every rank keeps none.
    /// </summary>
    public void SynchronizeGradients() => _averager.Average();

    /// <summary>
    /// Clips the averaged gradients by their global norm, as <c>torch.nn.utils.clip_grad_norm_</c> does in one process
    /// (the gradients are alike on every rank after <see cref="Backward"/>, so no exchange is needed).
    /// </summary>
    /// <param name="maxNorm">The largest norm allowed.</param>
    /// <param name="normType">p of the p-norm (2 by default); <see cref="double.PositiveInfinity"/> for the largest magnitude.</param>
    /// <returns>The total norm of the gradients before clipping.</returns>
    public double ClipGradNorm(double maxNorm, double normType = 2.0) =>
        GradientClipping.Clip(null, [], _averager.Parameters, maxNorm, normType, _traffic);
}
