using TorchSharp;

namespace ModelGen.Loading.Transfer;

/// <summary>How the bytes of a batch that rank 0 filled reach the other ranks' tensors.</summary>
internal interface IBatchTransport
{
    /// <summary>The name the load report gives this transport.</summary>
    string Name { get; }

    /// <summary>
    /// Called on every rank, in the same order, once the ranks agreed that rank 0 filled <paramref name="tensors"/>.
    /// Rank 0's tensors must stay alive and unchanged until the next agreement: a transport may still be copying
    /// from them when this returns.
    /// </summary>
    /// <returns>This rank's failure to receive, agreed on by every rank at the next agreement; <see langword="null"/> on success.</returns>
    Exception? Move(IReadOnlyList<TransferItem> items, torch.Tensor[] tensors);
}
