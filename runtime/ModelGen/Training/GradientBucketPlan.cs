using TorchSharp;

namespace ModelGen.Training;

/// <summary>One fused all-reduce: parameters of one dtype whose gradients are packed back to back.</summary>
/// <param name="DType">The dtype of every gradient in the bucket.</param>
/// <param name="Parameters">Indices into the parameter list, in packing order.</param>
/// <param name="Elements">The bucket's element count (the sum of its parameters').</param>
internal sealed record GradientBucket(torch.ScalarType DType, IReadOnlyList<int> Parameters, long Elements);

/// <summary>
/// Cuts a parameter list into gradient buckets the way PyTorch DDP does: parameters in reverse order (the order
/// backward produces their gradients), one open bucket per dtype, a bucket closed once adding the next parameter would
/// pass the cap. A parameter larger than the cap gets a bucket of its own. Pure: every rank plans the same buckets
/// from the same list.
/// </summary>
internal static class GradientBucketPlan
{
    /// <param name="parameters">Each parameter's dtype and element count, in model order.</param>
    /// <param name="bucketBytes">The cap of one bucket, in bytes.</param>
    /// <returns>The buckets in the order they close, which is the order they are reduced.</returns>
    public static IReadOnlyList<GradientBucket> Plan(IReadOnlyList<(torch.ScalarType DType, long Elements)> parameters, long bucketBytes)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bucketBytes);
        var closed = new List<GradientBucket>();
        var open = new Dictionary<torch.ScalarType, (List<int> Members, long Elements)>();
        for (int i = parameters.Count - 1; i >= 0; i--)
        {
            (torch.ScalarType dtype, long elements) = parameters[i];
            long elementSize = Loading.ScalarTypes.ElementSize(dtype);
            if (open.TryGetValue(dtype, out var bucket) && (bucket.Elements + elements) * elementSize > bucketBytes)
            {
                closed.Add(new GradientBucket(dtype, bucket.Members, bucket.Elements));
                open.Remove(dtype);
            }
            if (!open.TryGetValue(dtype, out bucket))
                bucket = ([], 0);
            bucket.Members.Add(i);
            open[dtype] = (bucket.Members, bucket.Elements + elements);
        }
        // Still-open buckets close at the end of backward, in the order they were opened (the first parameter's last).
        closed.AddRange(open.OrderByDescending(b => b.Value.Members[0]).Select(b => new GradientBucket(b.Key, b.Value.Members, b.Value.Elements)));
        return closed;
    }
}
