using ModelGen.Sharding;

namespace ModelGen.Benchmarks.Scenarios;

/// <summary>One tensor of the checkpoint as rank 0 has it mapped: where its bytes are, how many, and its dim-0 rows (-1 for a 0-d tensor, which every rank keeps whole).</summary>
internal readonly record struct MappedTensor(nint Address, long Length, long Rows);

/// <summary>A byte range [<see cref="Begin"/>, <see cref="End"/>) inside one tensor.</summary>
internal readonly record struct TensorPiece(int Tensor, long Begin, long End)
{
    public long Length => End - Begin;
}

/// <summary>
/// The byte arithmetic of the sharded floor: which bytes of a tensor a rank keeps (its <c>torch.chunk</c> rows of dim 0,
/// one contiguous range since rows are stored one after another) and how the checkpoint, tensor after tensor, splits
/// into windows of a bounded number of bytes that rank 0 makes resident and drops one after the other.
/// </summary>
internal static class ShardSlices
{
    /// <summary>The bytes of <paramref name="tensor"/> that <paramref name="rank"/> of <paramref name="ranks"/> keeps.</summary>
    public static TensorPiece SliceOf(IReadOnlyList<MappedTensor> tensors, int tensor, int ranks, int rank)
    {
        MappedTensor t = tensors[tensor];
        if (t.Rows < 0) return new TensorPiece(tensor, 0, t.Length);
        if (t.Rows == 0) return new TensorPiece(tensor, 0, 0);
        if (t.Length % t.Rows != 0)
            throw new InvalidDataException($"tensor {tensor} has {t.Length} bytes, not a whole number of bytes in each of its {t.Rows} rows");
        long rowBytes = t.Length / t.Rows;
        (long start, long count) = ShardMath.RowsOf(t.Rows, ranks, rank);
        return new TensorPiece(tensor, start * rowBytes, (start + count) * rowBytes);
    }

    /// <summary>
    /// The tensors' bytes in order, cut into windows of <paramref name="windowBytes"/> (the last may be shorter); a tensor
    /// larger than a window spans several, a window may hold the ends of several tensors. Empty tensors are in no window.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<TensorPiece>> Windows(IReadOnlyList<MappedTensor> tensors, long windowBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowBytes);
        var windows = new List<IReadOnlyList<TensorPiece>>();
        var current = new List<TensorPiece>();
        long room = windowBytes;
        for (int i = 0; i < tensors.Count; i++)
        {
            for (long done = 0; done < tensors[i].Length;)
            {
                long take = Math.Min(room, tensors[i].Length - done);
                current.Add(new TensorPiece(i, done, done + take));
                done += take;
                room -= take;
                if (room == 0)
                {
                    windows.Add(current);
                    current = [];
                    room = windowBytes;
                }
            }
        }
        if (current.Count > 0) windows.Add(current);
        return windows;
    }

    /// <summary>The part of <paramref name="piece"/> inside <paramref name="slice"/> (same tensor), possibly empty.</summary>
    public static TensorPiece Overlap(TensorPiece piece, TensorPiece slice) =>
        new(piece.Tensor, Math.Max(piece.Begin, slice.Begin), Math.Max(Math.Max(piece.Begin, slice.Begin), Math.Min(piece.End, slice.End)));

    /// <summary>The parts of <paramref name="piece"/> outside <paramref name="slice"/>: before it and after it, each possibly empty.</summary>
    public static (TensorPiece Before, TensorPiece After) Outside(TensorPiece piece, TensorPiece slice)
    {
        long beforeEnd = Math.Clamp(slice.Begin, piece.Begin, piece.End);
        long afterBegin = Math.Clamp(slice.End, piece.Begin, piece.End);
        if (slice.Length == 0) (beforeEnd, afterBegin) = (piece.End, piece.End);
        return (new TensorPiece(piece.Tensor, piece.Begin, beforeEnd), new TensorPiece(piece.Tensor, afterBegin, piece.End));
    }
}
