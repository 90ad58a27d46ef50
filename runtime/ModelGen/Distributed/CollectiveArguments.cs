namespace ModelGen.Distributed;

/// <summary>
/// Argument checks shared by the groups. They depend only on values every rank passes alike, so every rank
/// rejects the same call and none is left inside a collective alone.
/// </summary>
internal static class CollectiveArguments
{
    public static void CheckRoot(int root, int size)
    {
        if ((uint)root >= (uint)size)
            throw new ArgumentOutOfRangeException(nameof(root), root, $"The root must be a rank of the job, 0 to {size - 1}.");
    }

    public static void CheckRange(nint address, long byteCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteCount);
        if (address == 0 && byteCount > 0)
            throw new ArgumentNullException(nameof(address), "A non-empty broadcast needs memory to read or write.");
    }
}
