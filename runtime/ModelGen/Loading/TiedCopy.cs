using ModelGen.SafeTensors;

namespace ModelGen.Loading;

/// <summary>
/// A <c>[TiedTo]</c> key the checkpoint holds as its own tensor beside the key it is tied to. The tie keeps only the
/// target, so the load takes it only when both are the same bytes; otherwise it would silently drop a trained tensor.
/// </summary>
internal sealed record TiedCopy(CatalogEntry Tied, CatalogEntry Target)
{
    /// <summary>Bytes compared per read: bounded memory on rank 0 whatever the tensor's size.</summary>
    private const int ChunkBytes = 16 << 20;

    /// <summary>A problem line when the two entries cannot be one tensor (other shape or dtype); null when their bytes decide.</summary>
    public static string? ShapeProblem(CatalogEntry tied, CatalogEntry target)
    {
        if (tied.DType == target.DType && Shapes.Equal(tied.Shape, target.Shape)) return null;
        return $"{Names(tied, target)}: [TiedTo] makes them one tensor, but the checkpoint holds them as {tied.DType}[{string.Join(", ", tied.Shape)}] and {target.DType}[{string.Join(", ", target.Shape)}]; remove the [TiedTo] to load both";
    }

    /// <summary>The problem line when rank 0 found the two tensors' bytes different.</summary>
    public string DifferentProblem() =>
        $"{Names(Tied, Target)}: [TiedTo] makes them one tensor, but the checkpoint holds two different tensors for them, and the tie would drop '{Tied.Name}'; remove the [TiedTo] to load both";

    /// <summary>Rank 0: whether the two tensors are byte for byte the same, read in bounded chunks.</summary>
    public bool HasSameBytes(SafeTensorsCheckpoint checkpoint)
    {
        SafeTensorsEntry tied = checkpoint.GetEntry(Tied.Name), target = checkpoint.GetEntry(Target.Name);
        if (tied.ByteLength != target.ByteLength) return false;
        byte[] a = new byte[(int)Math.Min(ChunkBytes, tied.ByteLength)], b = new byte[a.Length];
        for (long done = 0; done < tied.ByteLength; done += a.Length)
        {
            int count = (int)Math.Min(a.Length, tied.ByteLength - done);
            checkpoint.ReadBytes(tied, done, a.AsSpan(0, count));
            checkpoint.ReadBytes(target, done, b.AsSpan(0, count));
            if (!a.AsSpan(0, count).SequenceEqual(b.AsSpan(0, count))) return false;
        }
        return true;
    }

    private static string Names(CatalogEntry tied, CatalogEntry target)
    {
        string tiedFile = Path.GetFileName(tied.FilePath), targetFile = Path.GetFileName(target.FilePath);
        return tiedFile == targetFile
            ? $"'{tied.Name}' and '{target.Name}' ({tiedFile})"
            : $"'{tied.Name}' ({tiedFile}) and '{target.Name}' ({targetFile})";
    }
}
