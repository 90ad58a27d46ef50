using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Examples.Tests.Reference;

/// <summary>
/// An independent implementation of the transformers forward pass of Llama, Mistral, Qwen2 and Qwen3-MoE for one
/// sequence, in float64 with plain torch ops and loops (no code shared with the examples): rotary angles computed
/// in doubles from the formulas of transformers' <c>modeling_rope_utils</c>, attention one head at a time through an
/// explicit mask, routing one token at a time.
/// </summary>
public static class HuggingFaceReference
{
    /// <summary>Logits [length, vocab] of <paramref name="ids"/>.</summary>
    public static Tensor Logits(ReferenceModel m, IReadOnlyDictionary<string, Tensor> weights, long[] ids)
    {
        using var scope = NewDisposeScope();
        Tensor W(string key) => weights[key].to_type(ScalarType.Float64);
        int length = ids.Length;
        var (cos, sin) = CosSin(m, length);

        Tensor h = W("model.embed_tokens.weight").index_select(0, tensor(ids));
        for (int i = 0; i < m.Layers; i++)
        {
            string layer = $"model.layers.{i}.";
            h = h + Attention(m, W, layer + "self_attn.", RmsNorm(h, W(layer + "input_layernorm.weight"), m.Eps), cos, sin, m.WindowOf(i));
            Tensor x = RmsNorm(h, W(layer + "post_attention_layernorm.weight"), m.Eps);
            h = h + (m.Moe ? Experts(m, W, layer + "mlp.", x) : Mlp(m, W, layer + "mlp.", x, m.MlpBias));
        }
        h = RmsNorm(h, W("model.norm.weight"), m.Eps);
        Tensor head = m.Tied ? W("model.embed_tokens.weight") : W("lm_head.weight");
        return h.matmul(head.t()).MoveToOuterDisposeScope();
    }

    /// <summary>The inverse frequencies transformers computes for the config (default, linear or llama3).</summary>
    public static double[] InverseFrequencies(ReferenceModel m)
    {
        var result = new double[m.HeadDim / 2];
        for (int i = 0; i < result.Length; i++)
        {
            double f = 1.0 / Math.Pow(m.Theta, 2.0 * i / m.HeadDim);
            result[i] = m.Scaling switch
            {
                null => f,
                { Kind: "linear" } s => f / s.Factor,
                { Kind: "llama3" } s => Llama3(f, s),
                var s => throw new ArgumentException($"no reference for {s.Kind}"),
            };
        }
        return result;
    }

    private static double Llama3(double f, ReferenceRopeScaling s)
    {
        double wavelength = 2 * Math.PI / f;
        if (wavelength < s.OriginalMaxPositions / s.HighFreqFactor) return f;
        if (wavelength > s.OriginalMaxPositions / s.LowFreqFactor) return f / s.Factor;
        double smooth = (s.OriginalMaxPositions / wavelength - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
        return (1 - smooth) * f / s.Factor + smooth * f;
    }

    /// <summary>cos and sin [length, head_dim] of position x frequency, the frequencies laid out twice (rotate-half).</summary>
    private static (Tensor Cos, Tensor Sin) CosSin(ReferenceModel m, int length)
    {
        double[] frequencies = InverseFrequencies(m);
        var cos = new double[length * m.HeadDim];
        var sin = new double[length * m.HeadDim];
        for (int p = 0; p < length; p++)
        for (int d = 0; d < m.HeadDim; d++)
        {
            double angle = p * frequencies[d % frequencies.Length];
            cos[p * m.HeadDim + d] = Math.Cos(angle);
            sin[p * m.HeadDim + d] = Math.Sin(angle);
        }
        return (tensor(cos).reshape(length, m.HeadDim), tensor(sin).reshape(length, m.HeadDim));
    }

    private static Tensor RmsNorm(Tensor x, Tensor weight, double eps)
    {
        Tensor meanSquare = (x * x).mean([-1], keepdim: true);
        return weight * (x / (meanSquare + eps).sqrt());
    }

    private static Tensor Linear(Func<string, Tensor> w, string prefix, Tensor x, bool bias) =>
        bias ? x.matmul(w(prefix + "weight").t()) + w(prefix + "bias") : x.matmul(w(prefix + "weight").t());

    private static Tensor RotateHalf(Tensor x)
    {
        long half = x.shape[^1] / 2;
        return cat([x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)], -1);
    }

    private static Tensor Attention(ReferenceModel m, Func<string, Tensor> w, string prefix, Tensor x, Tensor cos, Tensor sin, int? window)
    {
        long length = x.shape[0];
        Tensor q = Linear(w, prefix + "q_proj.", x, m.QkvBias).reshape(length, m.Heads, m.HeadDim);
        Tensor k = Linear(w, prefix + "k_proj.", x, m.QkvBias).reshape(length, m.KvHeads, m.HeadDim);
        Tensor v = Linear(w, prefix + "v_proj.", x, m.QkvBias).reshape(length, m.KvHeads, m.HeadDim);
        if (m.Moe)
        {
            q = RmsNorm(q, w(prefix + "q_norm.weight"), m.Eps);
            k = RmsNorm(k, w(prefix + "k_norm.weight"), m.Eps);
        }

        // allowed[i, j]: key j is at or before query i and, with a window W, within its W most recent positions.
        var allowed = new bool[length * length];
        for (long i = 0; i < length; i++)
        for (long j = 0; j <= i; j++)
            allowed[i * length + j] = window is not { } size || i - j < size;
        Tensor mask = tensor(allowed).reshape(length, length);

        var heads = new List<Tensor>();
        int group = m.Heads / m.KvHeads;
        for (int head = 0; head < m.Heads; head++)
        {
            Tensor qh = q.select(1, head), kh = k.select(1, head / group), vh = v.select(1, head / group);
            qh = qh * cos + RotateHalf(qh) * sin;
            kh = kh * cos + RotateHalf(kh) * sin;
            Tensor scores = qh.matmul(kh.t()) / Math.Sqrt(m.HeadDim);
            scores = scores.masked_fill(mask.logical_not(), double.NegativeInfinity);
            heads.Add(scores.softmax(-1).matmul(vh));
        }
        return Linear(w, prefix + "o_proj.", cat(heads, -1), m.OutputBias);
    }

    private static Tensor Activate(string name, Tensor x) => name switch
    {
        "silu" or "swish" => x / (1 + (-x).exp()),
        "gelu" => 0.5 * x * (1 + (x / Math.Sqrt(2)).erf()),
        "gelu_pytorch_tanh" => 0.5 * x * (1 + (Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x.pow(3))).tanh()),
        "relu" => x.clamp_min(0),
        _ => throw new ArgumentException($"no reference for {name}"),
    };

    private static Tensor Mlp(ReferenceModel m, Func<string, Tensor> w, string prefix, Tensor x, bool bias) =>
        Linear(w, prefix + "down_proj.", Activate(m.Activation, Linear(w, prefix + "gate_proj.", x, bias)) * Linear(w, prefix + "up_proj.", x, bias), bias);

    /// <summary>Softmax over the router logits, the top-k experts, optionally renormalized, summed one token at a time.</summary>
    private static Tensor Experts(ReferenceModel m, Func<string, Tensor> w, string prefix, Tensor x)
    {
        Tensor probabilities = x.matmul(w(prefix + "gate.weight").t()).softmax(-1);
        var rows = new List<Tensor>();
        for (long t = 0; t < x.shape[0]; t++)
        {
            double[] p = probabilities[t].data<double>().ToArray();
            int[] chosen = Enumerable.Range(0, p.Length).OrderByDescending(e => p[e]).Take(m.TopK).ToArray();
            double total = m.NormTopK ? chosen.Sum(e => p[e]) : 1.0;
            Tensor token = x[t].unsqueeze(0);
            Tensor sum = zeros_like(token);
            foreach (int e in chosen)
                sum = sum + p[e] / total * Mlp(m, w, $"{prefix}experts.{e}.", token, bias: false);
            rows.Add(sum);
        }
        return cat(rows, 0);
    }
}
