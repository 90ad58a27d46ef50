using ModelGen.Distributed;
using TorchSharp;

namespace ModelGen.Training;

/// <summary>
/// Clipping by the global norm of gradients spread over ranks, as <c>torch.nn.utils.clip_grad_norm_</c> computes it
/// over one process's gradients: the p-norm of all gradients together, and every gradient scaled by
/// <c>maxNorm / (norm + 1e-6)</c> when that is below 1.
/// </summary>
internal static class GradientClipping
{
    /// <param name="group">The ranks the <paramref name="shards"/> are spread over (a collective then); <see langword="null"/> when there are no shards.</param>
    /// <param name="shards">Gradients of which each rank holds a disjoint part (shards): their norms are combined over the ranks.</param>
    /// <param name="whole">Gradients every rank holds alike (already averaged): counted once.</param>
    /// <param name="maxNorm">The largest norm allowed.</param>
    /// <param name="normType">p of the p-norm, positive; <see cref="double.PositiveInfinity"/> for the largest magnitude.</param>
    /// <param name="traffic">Counts the one all-reduce of the shards' norm.</param>
    /// <returns>The total norm before clipping, the same on every rank.</returns>
    public static double Clip(IProcessGroup? group, IReadOnlyList<torch.Tensor> shards, IReadOnlyList<torch.Tensor> whole, double maxNorm, double normType, TrafficCounter traffic)
    {
        if (double.IsNaN(maxNorm) || maxNorm < 0)
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The largest norm must be zero or positive.");
        if (double.IsNaN(normType) || normType <= 0)
            throw new ArgumentOutOfRangeException(nameof(normType), normType, "The norm type must be positive (or infinity).");

        using var noGrad = torch.no_grad();
        List<torch.Tensor> shardGrads = Grads(shards);
        List<torch.Tensor> wholeGrads = Grads(whole);
        try
        {
            double total;
            if (double.IsPositiveInfinity(normType))
            {
                double shardMax = LocalMax(shardGrads);
                // Non-negative doubles order like their bit patterns, so the long maximum is the double maximum.
                double ranksMax = group is null ? shardMax : BitConverter.Int64BitsToDouble(group.AllReduceMax(BitConverter.DoubleToInt64Bits(shardMax)));
                total = Math.Max(ranksMax, LocalMax(wholeGrads));
            }
            else
            {
                using torch.Tensor shardSum = torch.tensor(LocalPowerSum(shardGrads, normType), torch.ScalarType.Float64);
                if (group is not null)
                {
                    traffic.AllReduce(shardSum);
                    group.AllReduce(shardSum, ReduceOp.Sum);
                }
                total = Math.Pow(shardSum.item<double>() + LocalPowerSum(wholeGrads, normType), 1.0 / normType);
            }

            double coefficient = maxNorm / (total + 1e-6);
            if (coefficient < 1)
            {
                foreach (torch.Tensor grad in shardGrads.Concat(wholeGrads))
                    grad.mul_(coefficient);
            }
            return total;
        }
        finally
        {
            foreach (torch.Tensor grad in shardGrads.Concat(wholeGrads)) grad.Dispose();
        }
    }

    private static List<torch.Tensor> Grads(IReadOnlyList<torch.Tensor> parameters) =>
        parameters.Select(p => p.grad).OfType<torch.Tensor>().ToList();

    private static double LocalPowerSum(List<torch.Tensor> grads, double p)
    {
        double sum = 0;
        foreach (torch.Tensor grad in grads)
        {
            if (grad.numel() == 0) continue;
            using torch.Tensor wide = grad.to(torch.ScalarType.Float64);
            using torch.Tensor norm = wide.norm((float)p);
            sum += Math.Pow(norm.item<double>(), p);
        }
        return sum;
    }

    private static double LocalMax(List<torch.Tensor> grads)
    {
        double max = 0;
        foreach (torch.Tensor grad in grads)
        {
            if (grad.numel() == 0) continue;
            using torch.Tensor magnitude = grad.abs();
            using torch.Tensor largest = magnitude.max();
            using torch.Tensor wide = largest.to(torch.ScalarType.Float64);
            max = Math.Max(max, wide.item<double>());
        }
        return max;
    }
}
