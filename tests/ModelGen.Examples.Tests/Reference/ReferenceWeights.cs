using TorchSharp;

namespace ModelGen.Examples.Tests.Reference;

/// <summary>
/// The Hugging Face checkpoint keys of a <see cref="ReferenceModel"/> (decided here from the architecture, not from the
/// example's key table) with seeded float32 weights sized so that attention is peaked and every part of the math moves
/// the logits: projections ~ 1/sqrt(fan_in) (queries and keys larger), norms around 1, biases around 0.
/// </summary>
public static class ReferenceWeights
{
    public static Dictionary<string, torch.Tensor> Create(ReferenceModel m, ulong seed)
    {
        var generator = new torch.Generator(seed, torch.CPU);
        var weights = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        void Matrix(string key, long rows, long columns, double scale = 1.0) =>
            weights[key] = torch.randn([rows, columns], dtype: torch.ScalarType.Float32, generator: generator) * (scale / Math.Sqrt(columns));
        void Norm(string key, long size) =>
            weights[key] = 1 + 0.2 * torch.randn([size], dtype: torch.ScalarType.Float32, generator: generator);
        void Bias(string key, long size) =>
            weights[key] = 0.1 * torch.randn([size], dtype: torch.ScalarType.Float32, generator: generator);

        weights["model.embed_tokens.weight"] = torch.randn([m.Vocab, m.Hidden], dtype: torch.ScalarType.Float32, generator: generator);
        for (int i = 0; i < m.Layers; i++)
        {
            string layer = $"model.layers.{i}.";
            Norm(layer + "input_layernorm.weight", m.Hidden);
            Norm(layer + "post_attention_layernorm.weight", m.Hidden);
            string attention = layer + "self_attn.";
            Matrix(attention + "q_proj.weight", m.Heads * m.HeadDim, m.Hidden, 3.0);
            Matrix(attention + "k_proj.weight", m.KvHeads * m.HeadDim, m.Hidden, 3.0);
            Matrix(attention + "v_proj.weight", m.KvHeads * m.HeadDim, m.Hidden);
            Matrix(attention + "o_proj.weight", m.Hidden, m.Heads * m.HeadDim);
            if (m.QkvBias)
            {
                Bias(attention + "q_proj.bias", m.Heads * m.HeadDim);
                Bias(attention + "k_proj.bias", m.KvHeads * m.HeadDim);
                Bias(attention + "v_proj.bias", m.KvHeads * m.HeadDim);
            }
            if (m.OutputBias) Bias(attention + "o_proj.bias", m.Hidden);
            if (m.Moe)
            {
                Norm(attention + "q_norm.weight", m.HeadDim);
                Norm(attention + "k_norm.weight", m.HeadDim);
                Matrix(layer + "mlp.gate.weight", m.Experts, m.Hidden, 3.0);
                for (int e = 0; e < m.Experts; e++)
                    Mlp($"{layer}mlp.experts.{e}.", m.MoeIntermediate, bias: false);
            }
            else
            {
                Mlp(layer + "mlp.", m.Intermediate, m.MlpBias);
            }
        }
        Norm("model.norm.weight", m.Hidden);
        if (!m.Tied) Matrix("lm_head.weight", m.Vocab, m.Hidden);
        return weights;

        void Mlp(string prefix, int width, bool bias)
        {
            Matrix(prefix + "gate_proj.weight", width, m.Hidden);
            Matrix(prefix + "up_proj.weight", width, m.Hidden);
            Matrix(prefix + "down_proj.weight", m.Hidden, width);
            if (!bias) return;
            Bias(prefix + "gate_proj.bias", width);
            Bias(prefix + "up_proj.bias", width);
            Bias(prefix + "down_proj.bias", m.Hidden);
        }
    }
}
