using ModelGen.Loading;
using TorchSharp;

namespace ModelGen.Sharding;

/// <summary>
/// One tensor of a fully sharded load: its whole shape and element type, whether it is split over the ranks, and how
/// rank 0 obtains its bytes (a view of the mapped file, or a fill of a staging tensor: a read or an initializer).
/// </summary>
internal sealed record ShardedLoadItem(string Key, long[] Shape, torch.ScalarType DType, bool Sharded, Action<torch.Tensor> FillOnRoot, Func<string> Describe)
{
    /// <summary>
    /// On rank 0, a view of the tensor's bytes in the mapped checkpoint file, pages not yet read; null when the bytes
    /// are read or initialized instead.
    /// </summary>
    public Func<torch.Tensor>? MapOnRoot { get; init; }

    /// <summary>
    /// On rank 0, reads <c>length</c> bytes of the tensor from byte <c>offset</c> to an address, or null when the tensor
    /// must be materialized whole first (a dtype conversion or an initializer): then rank 0 stages the whole tensor.
    /// </summary>
    public ReadBytesOnRoot? ReadRangeOnRoot { get; init; }

    /// <summary>
    /// Whether every node's leader reads this item from its own copy of the checkpoint (see
    /// <see cref="LoadOptions.ReadOnEveryNode"/>): then the leaders do what rank 0 does for it, and it moves only
    /// inside each node.
    /// </summary>
    public bool ReadByEveryLeader { get; init; }

    /// <summary>Rows of dim 0; a scalar counts as one row (and is never split).</summary>
    public long Rows => Shape.Length == 0 ? 1 : Shape[0];

    /// <summary>Bytes of one row of dim 0.</summary>
    public long RowBytes { get; } = ScalarTypes.ByteCount(Shape, DType, fromDim: 1);

    /// <summary>Bytes of the whole tensor.</summary>
    public long ByteCount => Rows * RowBytes;

    /// <summary>The rows <paramref name="rank"/> of <paramref name="ranks"/> ends up holding.</summary>
    public (long Start, long Count) RowsOf(int rank, int ranks) => Sharded ? ShardMath.RowsOf(Rows, ranks, rank) : (0, Rows);
}

/// <summary>Reads <paramref name="length"/> bytes of a tensor, from byte <paramref name="offset"/> of it, to <paramref name="destination"/>.</summary>
internal delegate void ReadBytesOnRoot(long offset, nint destination, long length);
