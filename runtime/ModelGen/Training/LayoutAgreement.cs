using System.Globalization;
using System.Text;
using ModelGen.Distributed;

namespace ModelGen.Training;

/// <summary>
/// Checks that every rank describes the same tensors (names, shapes, dtypes) before gradients move: ranks that pack
/// different layouts into one reduction would add unrelated numbers, or wait for ever on a count that differs.
/// </summary>
internal static class LayoutAgreement
{
    /// <summary>
    /// Throws the same <see cref="DistributedLoadException"/> on every rank, naming the lowest rank whose layout differs
    /// from the others', when the ranks' <paramref name="layout"/> texts differ. A collective.
    /// </summary>
    public static void Check(IProcessGroup group, string what, IEnumerable<string> layout)
    {
        string text = string.Join("\n", layout);
        long hash = Fingerprint(text);
        // Equal on every rank exactly when the largest fingerprint is also the smallest.
        long largest = group.AllReduceMax(hash);
        long smallest = -group.AllReduceMax(-hash);
        if (largest == smallest) return;
        Exception? mine = hash == largest ? null : new InvalidOperationException(
            string.Create(CultureInfo.InvariantCulture, $"{what}: rank {group.Rank} of {group.Size} holds a different set of trainable tensors ({layout.Count()} tensors, first '{layout.FirstOrDefault()}') than the other ranks; every rank must train the same model with the same parameters."));
        group.ThrowIfAnyRankFailed(mine);
    }

    /// <summary>A 63-bit FNV-1a digest (non-negative, so that its negation cannot overflow).</summary>
    private static long Fingerprint(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return (long)(hash >> 1);
    }
}
