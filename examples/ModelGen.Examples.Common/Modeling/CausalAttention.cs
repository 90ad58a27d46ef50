using TorchSharp;

namespace ModelGen.Examples.Modeling;

/// <summary>Multi-head causal self-attention with grouped key/value heads, on projected tensors.</summary>
public static class CausalAttention
{
    /// <summary>[batch, length, heads * head_dim] to [batch, heads, length, head_dim].</summary>
    public static torch.Tensor SplitHeads(torch.Tensor x, int heads, int headDim)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var view = x.view(x.shape[0], x.shape[1], heads, headDim);
        return view.transpose(1, 2);
    }

    /// <summary>[batch, heads, length, head_dim] to [batch, length, heads * head_dim].</summary>
    public static torch.Tensor MergeHeads(torch.Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var transposed = x.transpose(1, 2);
        return transposed.reshape(x.shape[0], x.shape[2], x.shape[1] * x.shape[3]);
    }

    /// <summary>
    /// softmax(q kᵀ / sqrt(head_dim) + causal mask) v. <paramref name="query"/> is [batch, heads, length, head_dim];
    /// <paramref name="key"/> and <paramref name="value"/> have [batch, kv_heads, length, head_dim], and each key/value
    /// head serves heads / kv_heads consecutive query heads (Hugging Face's <c>repeat_kv</c>). With a
    /// <paramref name="slidingWindow"/> W, position i sees positions j with i - W &lt; j &lt;= i (itself and the W - 1
    /// before it), as transformers' sliding-window mask does.
    /// </summary>
    public static torch.Tensor Attend(torch.Tensor query, torch.Tensor key, torch.Tensor value, int? slidingWindow = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        long heads = query.shape[1], kvHeads = key.shape[1];
        if (kvHeads <= 0 || heads % kvHeads != 0)
            throw new ArgumentException($"{heads} query heads cannot be grouped over {kvHeads} key/value heads.", nameof(key));

        using var scope = torch.NewDisposeScope();
        long groups = heads / kvHeads;
        var k = groups == 1 ? key : key.repeat_interleave(groups, dim: 1);
        var v = groups == 1 ? value : value.repeat_interleave(groups, dim: 1);
        long length = query.shape[2];
        var output = slidingWindow is { } window && window < length
            ? torch.nn.functional.scaled_dot_product_attention(query, k, v, attn_mask: WindowMask(length, window, query.device))
            : torch.nn.functional.scaled_dot_product_attention(query, k, v, is_casual: true);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>[length, length] booleans, true where query i may attend key j: j &lt;= i and i - j &lt; window.</summary>
    public static torch.Tensor WindowMask(long length, int window, torch.Device device)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        using var scope = torch.NewDisposeScope();
        var queries = torch.arange(length, dtype: torch.ScalarType.Int64, device: device).unsqueeze(1);
        var keys = torch.arange(length, dtype: torch.ScalarType.Int64, device: device).unsqueeze(0);
        var distance = queries - keys;
        return distance.ge(0).logical_and(distance.lt(window)).MoveToOuterDisposeScope();
    }
}
