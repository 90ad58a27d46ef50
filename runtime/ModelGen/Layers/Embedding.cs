using TorchSharp;
using TorchSharp.Modules;

namespace ModelGen.Layers;

/// <summary>
/// A lookup table like <c>torch.nn.Embedding</c>, built in managed code from a <c>Parameter</c> created on the
/// requested device. TorchSharp's <c>nn.Embedding</c> is built natively on the CPU and randomly initialized even
/// when asked for the meta device; this one costs nothing on meta. The parameter is registered as <c>weight</c>
/// and initialized normal(0, 1), as PyTorch does.
/// </summary>
public sealed class Embedding : torch.nn.Module<torch.Tensor, torch.Tensor>
{

    /// <summary>Creates the table.</summary>
    /// <param name="numEmbeddings">Number of rows (vocabulary size).</param>
    /// <param name="embeddingDim">Size of each row.</param>
    /// <param name="device">Device of the weight; <c>torch.META</c> allocates nothing.</param>
    /// <param name="dtype">Element type of the weight; the default dtype when null.</param>
    public Embedding(long numEmbeddings, long embeddingDim, torch.Device? device = null, torch.ScalarType? dtype = null)
        : base(nameof(Embedding))
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numEmbeddings);
        ArgumentOutOfRangeException.ThrowIfNegative(embeddingDim);
        // The two-size overload: a collection expression of longs builds an inline array whose span helpers are
        // compiled in every fresh process.
        var weight = new Parameter(torch.empty(numEmbeddings, embeddingDim, dtype, device));
        DefaultInitNormal(weight);
        ConditionallyRegisterParameter("weight", weight);
    }

    /// <summary>The table, shape [num_embeddings, embedding_dim]. Setting it re-registers the parameter.</summary>
    public Parameter weight
    {
        // Held only in the module's parameter registry: a Parameter field would be registered a second time,
        // under the field's own name, by TorchSharp's reflection over fields.
        get => get_parameter("weight") ?? throw new InvalidOperationException("Embedding has no weight parameter.");
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            ConditionallyRegisterParameter("weight", value);
        }
    }

    /// <summary>Rows of <see cref="weight"/> selected by the integer indices in <paramref name="input"/>; shape input.shape + [embedding_dim].</summary>
    public override torch.Tensor forward(torch.Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Parameter weight = this.weight;
        long[] shape = [.. input.shape, weight.shape[1]];
        using var flat = input.reshape(-1);
        using var rows = weight.index_select(0, flat);
        return rows.reshape(shape);
    }

    private static void DefaultInitNormal(torch.Tensor tensor)
    {
        using var _ = torch.no_grad();
        torch.nn.init.normal_(tensor, 0.0, 1.0);
    }
}
