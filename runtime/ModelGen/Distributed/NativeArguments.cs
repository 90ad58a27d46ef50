namespace ModelGen.Distributed;

/// <summary>
/// Checks of the root's byte counts and offsets for <see cref="IProcessGroup.ScatterNative"/> and
/// <see cref="IProcessGroup.GatherNative"/>. Only the root has them, so its verdict is shared with the other ranks by
/// the group before any data moves.
/// </summary>
internal static class NativeArguments
{
    /// <returns>What is wrong with the root's arguments, or <see langword="null"/> when they describe one part per rank.</returns>
    public static string? ProblemWithRootParts(string operation, nint rootAddress, ReadOnlySpan<long> byteCounts, ReadOnlySpan<long> byteOffsets, int size)
    {
        if (byteCounts.Length != size)
            return $"{operation}: the root's byteCounts has {byteCounts.Length} entries; the group has {size} ranks.";
        if (byteOffsets.Length != size)
            return $"{operation}: the root's byteOffsets has {byteOffsets.Length} entries; the group has {size} ranks.";
        for (int r = 0; r < size; r++)
        {
            if (byteCounts[r] < 0)
                return $"{operation}: the root's byteCounts[{r}] is {byteCounts[r]}; counts cannot be negative.";
            if (byteOffsets[r] < 0)
                return $"{operation}: the root's byteOffsets[{r}] is {byteOffsets[r]}; offsets cannot be negative.";
            if (byteCounts[r] > 0 && rootAddress == 0)
                return $"{operation}: the root's address is null but byteCounts[{r}] is {byteCounts[r]}.";
        }
        return null;
    }

    public static string Mismatch(string operation, int rank, string countName, long count, long rootCount) =>
        $"{operation}: rank {rank} passed {countName} = {count}, but the root's byteCounts[{rank}] is {rootCount}.";

    public static string MismatchElsewhere(string operation, int rank, string countName) =>
        $"{operation}: rank {rank}'s {countName} does not equal the root's byteCounts[{rank}]; see rank {rank}'s error.";

    public static string RootRefused(string operation, int root) =>
        $"{operation}: the root (rank {root}) refused its byteCounts/byteOffsets; see rank {root}'s error.";
}
