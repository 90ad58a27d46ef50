using System.Globalization;
using ModelGen.Examples.Llama.Checkpoints;
using ModelGen.Examples.Llama.Model;
using ModelGen.Examples.Running;
using TorchSharp;

namespace ModelGen.Examples.Llama;

/// <summary>The Llama example: Llama, Mistral and Qwen2 checkpoints, tied or untied LM head.</summary>
public sealed class LlamaRecipe : ExampleRecipe
{
    /// <inheritdoc />
    public override string Description =>
        "Loads a Hugging Face Llama-family checkpoint (Llama, Mistral, Qwen2) with ModelGen on every rank of the job " +
        "(single process, or mpirun -np N), runs a forward pass on a fixed prompt and reports keys, time, memory and a logits checksum.";

    /// <inheritdoc />
    public override string DefaultCheckpointFolder => Path.Combine("checkpoints", "llama-demo");

    /// <inheritdoc />
    public override int DefaultSizeMib => 400;

    /// <inheritdoc />
    public override string CreateRandomConfig(int sizeMib, torch.ScalarType dtype, bool tiedEmbeddings) =>
        LlamaConfigFile.Write(LlamaConfigFile.Random(sizeMib, dtype, tiedEmbeddings));

    /// <inheritdoc />
    public override ExampleModel Build(string configJson, torch.ScalarType dtype)
    {
        LlamaConfig config = LlamaConfigFile.Read(configJson);
        torch.nn.Module<torch.Tensor, torch.Tensor> module = config.TieWordEmbeddings
            ? new TiedLlamaForCausalLM(config, dtype)
            : new LlamaForCausalLM(config, dtype);
        string summary = string.Create(CultureInfo.InvariantCulture,
            $"{config.ModelType} {config.NumHiddenLayers} layers, hidden {config.HiddenSize}, heads {config.NumAttentionHeads}/{config.NumKeyValueHeads} (q/kv) x {config.HeadDim}, ") +
            string.Create(CultureInfo.InvariantCulture,
            $"mlp {config.IntermediateSize} ({config.HiddenAct}), rope theta {config.RopeTheta}{(config.RopeScaling is { } s ? " " + s : "")}, ") +
            (config.SlidingWindow is { } window ? string.Create(CultureInfo.InvariantCulture, $"window {window} on {config.SlidingLayers.Count(x => x)} layer(s), ") : "") +
            string.Create(CultureInfo.InvariantCulture,
            $"vocab {config.VocabSize}, {(config.TieWordEmbeddings ? "tied" : "untied")} head, {config.ParameterCount / 1e6:F1}M parameters");
        return new ExampleModel(module, config.VocabSize, summary);
    }
}
