using TorchSharp;

namespace ModelGen.Sharding;

/// <summary>
/// One tensor of a fully sharded model as this rank holds it: the full (global) shape, the rows this rank owns, and the
/// padded local buffer. The module's member is a view of the first <see cref="RowCount"/> rows of <see cref="Padded"/>;
/// the padding (zeros, at most <c>ceil(d0/N) - 1</c> rows, and only on the ranks holding a short or empty chunk) gives
/// every rank the same element count, so gathering and reduce-scattering need no per-step copies and map onto MPI's
/// equal-count collectives.
/// </summary>
public sealed class ShardedSlot
{
    internal ShardedSlot(string key, long[] globalShape, torch.ScalarType dtype, long rowStart, long rowCount, long chunkRows, torch.Tensor padded)
    {
        Key = key;
        GlobalShape = globalShape;
        DType = dtype;
        RowStart = rowStart;
        RowCount = rowCount;
        ChunkRows = chunkRows;
        Padded = padded;
        RowElements = Loading.ScalarTypes.ElementCount(globalShape, fromDim: 1);
        RowBytes = checked(RowElements * Loading.ScalarTypes.ElementSize(dtype));
    }

    /// <summary>The checkpoint key.</summary>
    public string Key { get; }

    /// <summary>The shape of the whole tensor, as in the checkpoint.</summary>
    public long[] GlobalShape { get; }

    /// <summary>The element type.</summary>
    public torch.ScalarType DType { get; }

    /// <summary>The first row of dim 0 this rank holds.</summary>
    public long RowStart { get; }

    /// <summary>The rows of dim 0 this rank holds (0 on ranks past the last chunk).</summary>
    public long RowCount { get; }

    /// <summary>The rows of every rank's padded buffer: <c>ceil(d0 / N)</c>.</summary>
    public long ChunkRows { get; }

    /// <summary>This rank's buffer of <see cref="ChunkRows"/> rows: its own rows first, then zero padding.</summary>
    public torch.Tensor Padded { get; }

    /// <summary>The bytes of one row of dim 0.</summary>
    public long RowBytes { get; }

    /// <summary>The elements of one row of dim 0.</summary>
    public long RowElements { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Key} rows [{RowStart}, {RowStart + RowCount}) of [{string.Join(", ", GlobalShape)}]";
}
