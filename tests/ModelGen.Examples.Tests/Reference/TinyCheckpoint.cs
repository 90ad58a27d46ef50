using System.Text.Json.Nodes;
using ModelGen.SafeTensors;
using TorchSharp;

namespace ModelGen.Examples.Tests.Reference;

/// <summary>A Hugging Face folder written by a test: its <c>config.json</c> text and <c>model.safetensors</c>.</summary>
public static class TinyCheckpoint
{
    public static void Write(string folder, JsonObject config, IReadOnlyDictionary<string, torch.Tensor> weights)
    {
        Directory.CreateDirectory(folder);
        SafeTensorsWriter.Write(Path.Combine(folder, "model.safetensors"), weights.OrderBy(p => p.Key, StringComparer.Ordinal));
        File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString());
    }

    /// <summary>The fields every form of config shares, written from the ground truth (rotary and window fields are the test's to add).</summary>
    public static JsonObject BaseConfig(ReferenceModel m)
    {
        var config = new JsonObject
        {
            ["model_type"] = m.ModelType,
            ["vocab_size"] = m.Vocab,
            ["hidden_size"] = m.Hidden,
            ["num_hidden_layers"] = m.Layers,
            ["num_attention_heads"] = m.Heads,
            ["num_key_value_heads"] = m.KvHeads,
            ["head_dim"] = m.HeadDim,
            ["rms_norm_eps"] = m.Eps,
            ["hidden_act"] = m.Activation,
            ["tie_word_embeddings"] = m.Tied,
            ["torch_dtype"] = "float32",
        };
        if (m.Moe)
        {
            config["num_experts"] = m.Experts;
            config["num_experts_per_tok"] = m.TopK;
            config["moe_intermediate_size"] = m.MoeIntermediate;
            config["norm_topk_prob"] = m.NormTopK;
        }
        else
        {
            config["intermediate_size"] = m.Intermediate;
        }
        return config;
    }
}
