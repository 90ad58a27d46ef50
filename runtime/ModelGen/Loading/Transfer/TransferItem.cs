using TorchSharp;

namespace ModelGen.Loading.Transfer;

/// <summary>
/// One tensor to materialize: rank 0 fills it (read or initialize) or, when <see cref="MapOnRoot"/> is set, takes it
/// ready-made from the checkpoint file's pages; every other rank receives it.
/// </summary>
internal sealed record TransferItem(long[] Shape, torch.ScalarType DType, Action<torch.Tensor> FillOnRoot, Func<string> Describe)
{
    public long ByteCount { get; } = ScalarTypes.ByteCount(Shape, DType);

    /// <summary>On rank 0, returns the tensor already holding the bytes (a view of the mapped file) instead of a fresh one to fill.</summary>
    public Func<torch.Tensor>? MapOnRoot { get; init; }

    /// <summary>
    /// Whether every node's leader reads this item from its own copy of the checkpoint (see
    /// <see cref="LoadOptions.ReadOnEveryNode"/>), so it moves only inside each node.
    /// </summary>
    public bool ReadByEveryLeader { get; init; }
}
