using ModelGen.Loading;
using TorchSharp;

namespace ModelGen.Examples.Running;

/// <summary>The parsed command line of an example.</summary>
public sealed record ExampleSettings
{
    /// <summary>The checkpoint folder.</summary>
    public required string CheckpointFolder { get; init; }

    /// <summary>
    /// Whether a random checkpoint may be written into <see cref="CheckpointFolder"/> when it holds none (always
    /// allowed for the recipe's demo folder).
    /// </summary>
    public bool CreateRandom { get; init; }

    /// <summary>Size of a random checkpoint to write, in MiB.</summary>
    public required int SizeMib { get; init; }

    /// <summary>Element type of a random checkpoint to write.</summary>
    public required torch.ScalarType CheckpointDType { get; init; }

    /// <summary>Whether a random checkpoint ties the LM head to the embedding.</summary>
    public required bool TiedEmbeddings { get; init; }

    /// <summary>Largest shard of a random checkpoint, in MiB.</summary>
    public required int ShardMib { get; init; }

    /// <summary>Seed of a random checkpoint.</summary>
    public required long Seed { get; init; }

    /// <summary>Element type of the loaded model, or <see langword="null"/> for the checkpoint's own.</summary>
    public torch.ScalarType? DType { get; init; }

    /// <summary>torch compute threads, or <see langword="null"/> for torch's default.</summary>
    public int? Threads { get; init; }

    /// <summary>Whether to skip the forward pass.</summary>
    public bool NoForward { get; init; }

    /// <summary>How tensors reach the other ranks.</summary>
    public LoadTransport Transport { get; init; } = LoadTransport.Auto;

    /// <summary>Whether rank 0 maps the checkpoint's pages instead of reading a copy.</summary>
    public bool MapCheckpoint { get; init; } = true;

    /// <summary>Whether every rank holds only its dim-0 rows of each tensor (fully sharded placement) instead of the whole model.</summary>
    public bool Shard { get; init; }

    /// <summary>AdamW steps to train after the load (before the forward pass and the save); 0 trains nothing.</summary>
    public int TrainSteps { get; init; }

    /// <summary>Sequences in the global training batch, split evenly over the ranks.</summary>
    public int TrainSequences { get; init; } = 3;

    /// <summary>Tokens per training sequence.</summary>
    public int TrainLength { get; init; } = 16;

    /// <summary>Where to save the loaded model (weights and config) as a Hugging Face folder; <see langword="null"/> to save nothing.</summary>
    public string? SaveFolder { get; init; }

    /// <summary>Whether to print one JSON line per rank instead of text.</summary>
    public bool Json { get; init; }
}
