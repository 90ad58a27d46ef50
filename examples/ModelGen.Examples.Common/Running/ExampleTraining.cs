using System.Diagnostics;
using ModelGen.Diagnostics;
using ModelGen.Distributed;
using ModelGen.Sharding;
using ModelGen.Training;
using TorchSharp;

namespace ModelGen.Examples.Running;

/// <summary>
/// <c>--train-steps K</c>: K AdamW steps with gradient clipping on a fixed global batch of random token sequences,
/// split over the ranks (rank r takes sequences r, r + N, ...), so one process and N ranks take the same steps.
/// Replicated models train through <see cref="ReplicatedTraining"/>, fully sharded ones through
/// <see cref="ShardedTraining"/>.
/// </summary>
public static class ExampleTraining
{
    /// <summary>AdamW's learning rate: small enough that a few steps stay tame, large enough that the loss moves visibly.</summary>
    public const double LearningRate = 1e-4;

    /// <summary>The global gradient norm is clipped to this, as fine-tuning recipes do.</summary>
    public const double MaxGradNorm = 1.0;

    /// <summary>Seed of the token batches (independent of the checkpoint's seed, so every checkpoint trains on the same ids).</summary>
    public const long BatchSeed = 20240601;

    /// <summary>What training measured on this rank.</summary>
    /// <param name="Losses">The loss of every step (the mean over the global batch, the same on every rank).</param>
    /// <param name="Seconds">The seconds training took, set-up included.</param>
    /// <param name="StepSeconds">The seconds of every step (forward, backward, gradient exchange, clipping, optimizer step).</param>
    /// <param name="RssBeforeBytes">This rank's resident memory just before training.</param>
    /// <param name="PeakRssBytes">This rank's peak resident memory (VmHWM) from just before training to its end, or <see langword="null"/> where the peak cannot be reset.</param>
    /// <param name="StepTraffic">The bytes this rank handed to the training's collectives in the last step.</param>
    public sealed record Outcome(IReadOnlyList<double> Losses, double Seconds, IReadOnlyList<double> StepSeconds, long RssBeforeBytes, long? PeakRssBytes, CollectiveTraffic StepTraffic);

    /// <summary>Refuses a global batch of <paramref name="sequences"/> that <paramref name="ranks"/> ranks cannot split evenly.</summary>
    /// <exception cref="ExampleSettingsException">sequences is not a multiple of ranks.</exception>
    public static void CheckBatch(int sequences, int ranks)
    {
        if (sequences % ranks != 0)
            throw new ExampleSettingsException(
                $"--train-sequences {sequences} cannot be split evenly over {ranks} ranks: use a multiple of {ranks}, so every rank trains on the same number of sequences.");
    }

    /// <summary>
    /// This rank's share of the global batch: <paramref name="sequences"/> sequences of <paramref name="length"/>
    /// random ids below <paramref name="vocabSize"/>, of a fixed seed; rank r takes rows r, r + N, ...
    /// </summary>
    public static torch.Tensor RankBatch(int sequences, int length, int vocabSize, int rank, int ranks)
    {
        CheckBatch(sequences, ranks);
        using var generator = new torch.Generator(BatchSeed);
        using torch.Tensor all = torch.randint(0, vocabSize, [sequences, length], dtype: torch.ScalarType.Int64, generator: generator);
        using torch.Tensor rows = torch.arange(rank, sequences, ranks, dtype: torch.ScalarType.Int64);
        return all.index_select(0, rows);
    }

    /// <summary>Trains on every rank (every step is collective); returns the losses, alike on every rank.</summary>
    public static Outcome Run(IProcessGroup group, ExampleModel model, int steps, int sequences, int length)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 2);
        using torch.Tensor ids = RankBatch(sequences, length, model.VocabSize, group.Rank, group.Size);
        long rssBefore = ProcessMemory.CurrentRssBytes();
        // From here the peak is training's own: the load's (rank 0's mapped checkpoint, say) is in the load report.
        bool peakReset = PeakRss.TryReset();
        var clock = Stopwatch.StartNew();
        model.Module.train();
        bool sharded = ModelSharding.Of(model.Sharded) is not null;
        ReplicatedTraining? replicated = sharded ? null : ReplicatedTraining.Create(model.Module, new ReplicatedTrainingOptions { ProcessGroup = group });
        // Disposed before the forward pass, which attaches its own gathering hooks.
        using ShardedTraining? shardedTraining = sharded ? ShardedTraining.Attach(model.Sharded, new ShardedTrainingOptions { Units = model.ShardedTrainingUnits }) : null;
        using var optimizer = torch.optim.AdamW(model.Module.parameters(), lr: LearningRate);

        var losses = new List<double>(steps);
        var stepSeconds = new List<double>(steps);
        CollectiveTraffic stepTraffic = default;
        for (int step = 0; step < steps; step++)
        {
            long stepStart = Stopwatch.GetTimestamp();
            CollectiveTraffic before = shardedTraining?.Traffic ?? replicated!.Traffic;
            optimizer.zero_grad();
            torch.Tensor Loss() => NextTokenLoss(model, ids);
            using torch.Tensor loss = shardedTraining?.Forward(Loss) ?? replicated!.Forward(Loss);
            if (shardedTraining is not null)
            {
                shardedTraining.Backward(loss);
                shardedTraining.ClipGradNorm(MaxGradNorm);
            }
            else
            {
                replicated!.Backward(loss);
                replicated.ClipGradNorm(MaxGradNorm);
            }
            optimizer.step();
            stepSeconds.Add(Stopwatch.GetElapsedTime(stepStart).TotalSeconds);
            stepTraffic = (shardedTraining?.Traffic ?? replicated!.Traffic) - before;
            losses.Add(GlobalMean(group, loss));
        }
        model.Module.eval();
        return new Outcome(losses, clock.Elapsed.TotalSeconds, stepSeconds, rssBefore, peakReset ? ProcessMemory.PeakRssBytes() : null, stepTraffic);
    }

    /// <summary>Cross-entropy of next-token prediction (logits[:, :-1] against ids[:, 1:]), in float32 whatever the model's dtype.</summary>
    private static torch.Tensor NextTokenLoss(ExampleModel model, torch.Tensor ids)
    {
        // Explicit disposals, no dispose scope: the sharded hooks create tensors during the call that must outlive it.
        long predicted = ids.shape[1] - 1;
        using torch.Tensor logits = model.Module.call(ids);
        using torch.Tensor shifted = logits.narrow(1, 0, predicted);
        using torch.Tensor flat = shifted.reshape(-1, logits.shape[^1]);
        using torch.Tensor flatLogits = flat.to(torch.ScalarType.Float32);
        using torch.Tensor next = ids.narrow(1, 1, predicted);
        using torch.Tensor targets = next.reshape(-1);
        return torch.nn.functional.cross_entropy(flatLogits, targets);
    }

    /// <summary>The mean of the ranks' losses: every rank has as many sequences, so it is the global batch's mean loss.</summary>
    private static double GlobalMean(IProcessGroup group, torch.Tensor loss)
    {
        using torch.Tensor value = loss.detach().to(torch.ScalarType.Float64).reshape(1).contiguous();
        group.AllReduce(value, ReduceOp.Average);
        return value.item<double>();
    }
}
