using System.Diagnostics;
using System.Text;
using ModelGen.Distributed;
using ModelGen.Examples.Reporting;
using ModelGen.Sharding;
using TorchSharp;

namespace ModelGen.Examples.Running;

/// <summary>Runs the model once on a fixed prompt and checks that every rank computed the same logits.</summary>
public static class ForwardPass
{
    // A fixed prompt: the same token ids on every rank and in every run (reduced modulo the vocabulary).
    private static readonly long[] PromptIds = [1, 450, 4996, 17354, 1701, 29916, 432, 17204, 975, 278, 17366, 11203, 29889, 13, 1576, 29871];

    /// <summary>The prompt as a [1, length] int64 tensor for a vocabulary of <paramref name="vocabSize"/>.</summary>
    public static torch.Tensor Prompt(int vocabSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabSize);
        return torch.tensor(PromptIds.Select(id => id % vocabSize).ToArray(), dtype: torch.ScalarType.Int64).unsqueeze(0);
    }

    /// <summary>The logits' fingerprint, the seconds the forward pass took, and whether all ranks agree with rank 0.</summary>
    public sealed record Outcome(LogitsChecksum Logits, double Seconds, bool AgreeAcrossRanks);

    /// <summary>Runs on every rank (it ends with collectives).</summary>
    public static Outcome Run(IProcessGroup group, ExampleModel model)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(model);
        var clock = Stopwatch.StartNew();
        LogitsChecksum checksum;
        // Sharded, each unit (a decoder layer) is gathered from every rank while it runs; call() runs the hooks.
        using ShardedForward? gathering = ModelSharding.Of(model.Sharded) is null ? null : ShardedForward.Attach(model.Sharded);
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            model.Module.eval();
            var logits = model.Module.call(Prompt(model.VocabSize));
            checksum = LogitsChecksum.Of(logits);
        }
        double seconds = clock.Elapsed.TotalSeconds;

        byte[] rankZeroHash = group.BroadcastMessage(Encoding.ASCII.GetBytes(checksum.Sha256));
        bool same = Encoding.ASCII.GetString(rankZeroHash) == checksum.Sha256;
        bool allSame = group.AllReduceMax(same ? 0 : 1) == 0;
        return new Outcome(checksum, seconds, allSame);
    }
}
