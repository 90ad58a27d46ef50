namespace ModelGen.SafeTensors;

/// <summary>Shape comparisons made once per tensor of every load.</summary>
internal static class Shapes
{
    /// <summary>
    /// Whether the two shapes have the same dimensions. A plain loop: MemoryExtensions.SequenceEqual over longs is
    /// compiled in every fresh process (ReadyToRun code of framework generics is shared only over classes).
    /// </summary>
    public static bool Equal(long[] a, long[] b)
    {
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i]) return false;
        }
        return true;
    }
}
