namespace ModelGen.Examples.Tests.Reference;

/// <summary>
/// What a Hugging Face model computes, stated directly (not read from a config): the ground truth a test writes a
/// config for, in whichever form it tests, and computes logits from with <see cref="HuggingFaceReference"/>.
/// </summary>
public sealed record ReferenceModel
{
    public required string ModelType { get; init; }
    public int Vocab { get; init; } = 64;
    public int Hidden { get; init; } = 32;
    public int Intermediate { get; init; } = 48;
    public int Layers { get; init; } = 2;
    public int Heads { get; init; } = 4;
    public int KvHeads { get; init; } = 2;
    public int HeadDim { get; init; } = 16;
    public double Eps { get; init; } = 1e-5;
    public double Theta { get; init; } = 10000.0;

    /// <summary>rope_type and its fields; null for the default rotary embedding.</summary>
    public ReferenceRopeScaling? Scaling { get; init; }

    public string Activation { get; init; } = "silu";
    public bool QkvBias { get; init; }
    public bool OutputBias { get; init; }
    public bool MlpBias { get; init; }
    public bool Tied { get; init; }

    /// <summary>The sliding window of each layer (null: full causal attention); empty means none anywhere.</summary>
    public int?[] Windows { get; init; } = [];

    /// <summary>Qwen3-MoE: per-head q/k RMSNorm and a routed mixture of experts instead of the dense MLP.</summary>
    public bool Moe => ModelType == "qwen3_moe";
    public int Experts { get; init; } = 8;
    public int TopK { get; init; } = 2;
    public int MoeIntermediate { get; init; } = 24;
    public bool NormTopK { get; init; }

    public int? WindowOf(int layer) => layer < Windows.Length ? Windows[layer] : null;
}

/// <summary>A rotary scaling as transformers defines it.</summary>
public sealed record ReferenceRopeScaling(string Kind, double Factor, double LowFreqFactor = 0, double HighFreqFactor = 0, int OriginalMaxPositions = 0);
