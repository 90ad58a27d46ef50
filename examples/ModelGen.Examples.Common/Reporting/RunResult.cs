using ModelGen.Loading;

namespace ModelGen.Examples.Reporting;

/// <summary>Everything one rank measured in one run of an example.</summary>
public sealed record RunResult
{
    /// <summary>What was measured: <c>modelgen</c> (meta construction + <see cref="ShardedLoader"/>).</summary>
    public string Scenario { get; init; } = "modelgen";

    /// <summary>The model's architecture and size, one line.</summary>
    public required string ModelSummary { get; init; }

    /// <summary>The checkpoint folder.</summary>
    public required string CheckpointPath { get; init; }

    /// <summary>Element type of the loaded model (Hugging Face name).</summary>
    public required string DType { get; init; }

    /// <summary>The loader's report for this rank.</summary>
    public required LoadReport Load { get; init; }

    /// <summary>Seconds spent building the model on the meta device.</summary>
    public required double ConstructSeconds { get; init; }

    /// <summary>Meta construction plus load: what a program pays before it can run the model. The forward pass is not in it.</summary>
    public double WallSeconds => ConstructSeconds + Load.Seconds;

    /// <summary>Seconds of the forward pass, or <see langword="null"/> when it was skipped.</summary>
    public double? ForwardSeconds { get; init; }

    /// <summary>Fingerprint of the logits, or <see langword="null"/> when the forward pass was skipped.</summary>
    public LogitsChecksum? Logits { get; init; }

    /// <summary>Whether every rank's logits are bit-identical to rank 0's; <see langword="null"/> without a forward pass.</summary>
    public bool? LogitsAgreeAcrossRanks { get; init; }

    /// <summary>Peak RSS of this rank after the forward pass (the load's own peak is in <see cref="Load"/>).</summary>
    public long? PeakRssAfterForwardBytes { get; init; }

    /// <summary>Whether this run wrote the random checkpoint first (rank 0 then resets its peak RSS before loading).</summary>
    public bool CheckpointWritten { get; init; }

    /// <summary>Threads torch uses for compute on this rank.</summary>
    public required int Threads { get; init; }

    /// <summary>What <c>--train-steps</c> measured; <see langword="null"/> when nothing was trained.</summary>
    public ModelGen.Examples.Running.ExampleTraining.Outcome? Training { get; init; }

    /// <summary>What <c>--save</c> wrote; <see langword="null"/> when nothing was saved.</summary>
    public ModelGen.Saving.SaveReport? Save { get; init; }
}
