using System.Globalization;
using ModelGen.Distributed;
using TorchSharp;

namespace ModelGen.Training;

/// <summary>
/// Averages the gradients of tensors held whole on every rank, DDP style: in buckets of one dtype, planned once in
/// reverse parameter order (<see cref="GradientBucketPlan"/>), each bucket one all-reduce (bfloat16 and float16 summed in
/// float32). A parameter without a gradient on some rank counts as zeros there; one without a gradient on every rank keeps
/// none, so an optimizer skips it as it would in one process.
/// </summary>
internal sealed class GradientAverager
{
    private readonly IProcessGroup _group;
    private readonly IReadOnlyList<torch.Tensor> _parameters;
    private readonly TrafficCounter _traffic;

    /// <summary>Plans the buckets and checks, with every rank, that all hold the same parameters. A collective.</summary>
    public GradientAverager(IProcessGroup group, IReadOnlyList<(string Name, torch.Tensor Parameter)> parameters, long bucketBytes, string what, TrafficCounter traffic)
    {
        _group = group;
        _traffic = traffic;
        _parameters = parameters.Select(p => p.Parameter).ToList();
        LayoutAgreement.Check(group, what, parameters.Select(p =>
            string.Create(CultureInfo.InvariantCulture, $"{p.Name} {p.Parameter.dtype} [{string.Join(",", p.Parameter.shape)}]")).ToList());
        Buckets = GradientBucketPlan.Plan(_parameters.Select(p => (p.dtype, p.numel())).ToList(), bucketBytes);
    }

    /// <summary>The buckets, in the order they are reduced.</summary>
    public IReadOnlyList<GradientBucket> Buckets { get; }

    /// <summary>The tensors whose gradients are averaged.</summary>
    public IReadOnlyList<torch.Tensor> Parameters => _parameters;

    /// <summary>Replaces every gradient by its average over the ranks. A collective; every rank must call it.</summary>
    public void Average()
    {
        if (_parameters.Count == 0) return;
        using var noGrad = torch.no_grad();
        float[] holders = Holders();
        foreach (GradientBucket bucket in Buckets)
        {
            using torch.Tensor flat = torch.empty(bucket.Elements, bucket.DType);
            Pack(bucket, flat);
            _traffic.AllReduce(flat);
            _group.AllReduce(flat, ReduceOp.Average);
            Unpack(bucket, flat, holders);
        }
    }

    /// <summary>How many ranks hold a gradient of each parameter (one small all-reduce).</summary>
    private float[] Holders()
    {
        var has = new float[_parameters.Count];
        for (int i = 0; i < has.Length; i++)
        {
            using torch.Tensor? grad = _parameters[i].grad;
            has[i] = grad is null ? 0 : 1;
        }
        using torch.Tensor counts = torch.tensor(has);
        _traffic.AllReduce(counts);
        _group.AllReduce(counts, ReduceOp.Sum);
        return counts.data<float>().ToArray();
    }

    private void Pack(GradientBucket bucket, torch.Tensor flat)
    {
        long offset = 0;
        foreach (int i in bucket.Parameters)
        {
            torch.Tensor parameter = _parameters[i];
            long count = parameter.numel();
            using torch.Tensor slot = flat.narrow(0, offset, count);
            using torch.Tensor? grad = parameter.grad;
            if (grad is null)
            {
                slot.zero_();
            }
            else
            {
                using torch.Tensor values = grad.reshape(-1);
                slot.copy_(values);
            }
            offset += count;
        }
    }

    private void Unpack(GradientBucket bucket, torch.Tensor flat, float[] holders)
    {
        long offset = 0;
        foreach (int i in bucket.Parameters)
        {
            torch.Tensor parameter = _parameters[i];
            long count = parameter.numel();
            if (holders[i] > 0)
            {
                using torch.Tensor slot = flat.narrow(0, offset, count);
                using torch.Tensor shaped = slot.view(parameter.shape);
                using torch.Tensor? grad = parameter.grad;
                if (grad is null)
                {
                    using torch.Tensor copy = shaped.clone();
                    parameter.grad = copy;
                }
                else
                {
                    grad.copy_(shaped);
                }
            }
            offset += count;
        }
    }
}
