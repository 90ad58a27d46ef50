using System.Globalization;
using ModelGen.Examples.Moe.Checkpoints;
using ModelGen.Examples.Moe.Model;
using ModelGen.Examples.Running;
using TorchSharp;

namespace ModelGen.Examples.Moe;

/// <summary>The mixture-of-experts example: Qwen3-MoE checkpoints, thousands of small tensors.</summary>
public sealed class MoeRecipe : ExampleRecipe
{
    /// <inheritdoc />
    public override string Description =>
        "Loads a Hugging Face Qwen3-MoE checkpoint with ModelGen on every rank of the job (single process, or mpirun -np N), " +
        "runs a top-k routed forward pass on a fixed prompt and reports keys, time, memory and a logits checksum.";

    /// <inheritdoc />
    public override string DefaultCheckpointFolder => Path.Combine("checkpoints", "qwen3-moe-demo");

    /// <inheritdoc />
    public override int DefaultSizeMib => 54;

    /// <inheritdoc />
    public override string CreateRandomConfig(int sizeMib, torch.ScalarType dtype, bool tiedEmbeddings) =>
        Qwen3MoeConfigFile.Write(Qwen3MoeConfigFile.Random(sizeMib, dtype, tiedEmbeddings));

    /// <inheritdoc />
    public override ExampleModel Build(string configJson, torch.ScalarType dtype)
    {
        Qwen3MoeConfig config = Qwen3MoeConfigFile.Read(configJson);
        torch.nn.Module<torch.Tensor, torch.Tensor> module = config.TieWordEmbeddings
            ? new TiedQwen3MoeForCausalLM(config, dtype)
            : new Qwen3MoeForCausalLM(config, dtype);
        string summary = string.Create(CultureInfo.InvariantCulture,
            $"qwen3_moe {config.NumHiddenLayers} layers x {config.NumExperts} experts (top {config.NumExpertsPerToken}), hidden {config.HiddenSize}, ") +
            string.Create(CultureInfo.InvariantCulture,
            $"heads {config.NumAttentionHeads}/{config.NumKeyValueHeads} (q/kv) x {config.HeadDim}, expert width {config.MoeIntermediateSize} ({config.HiddenAct}), vocab {config.VocabSize}, ") +
            string.Create(CultureInfo.InvariantCulture,
            $"rope theta {config.RopeTheta}{(config.RopeScaling is { } s ? " " + s : "")}, {(config.SlidingWindow is { } w ? $"window {w}, " : "")}") +
            string.Create(CultureInfo.InvariantCulture,
            $"{(config.TieWordEmbeddings ? "tied" : "untied")} head, {config.KeyCount} tensors, {config.ParameterCount / 1e6:F1}M parameters");
        // Experts run only where a token chose them, which differs between ranks' batches: train whole layers as units.
        return new ExampleModel(module, config.VocabSize, summary)
        {
            ShardedTrainingUnits = [.. Enumerable.Range(0, config.NumHiddenLayers).Select(i => $"model.layers.{i}")],
        };
    }
}
