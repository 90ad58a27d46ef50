using System.Globalization;
using System.Text;
using ModelGen.Distributed;

namespace ModelGen.Training;

/// <summary>
/// Checks that every rank describes the same tensors (names, shapes, dtypes) as rank 0 before gradients move: ranks
/// that pack different layouts into one reduction would add unrelated numbers, or wait for ever on a count that differs.
/// </summary>
internal static class LayoutAgreement
{
    /// <summary>
    /// Throws the same <see cref="DistributedLoadException"/> on every rank, naming the lowest rank whose layout differs
    /// from rank 0's, when the ranks' <paramref name="layout"/> texts differ. A collective (a broadcast and an agreement).
    /// </summary>
    public static void Check(IProcessGroup group, string what, IReadOnlyList<string> layout)
    {
        byte[] digest = BitConverter.GetBytes(Fingerprint(string.Join("\n", layout)));
        byte[] rootDigest = group.BroadcastMessage(digest, root: 0);
        Exception? mine = rootDigest.AsSpan().SequenceEqual(digest) ? null : new InvalidOperationException(
            string.Create(CultureInfo.InvariantCulture, $"{what}: rank {group.Rank} of {group.Size} holds a different set of trainable tensors than rank 0 ({layout.Count} tensors here, the first '{layout.FirstOrDefault()}'); every rank must train the same model with the same tensors requiring gradients."));
        group.ThrowIfAnyRankFailed(mine);
    }

    /// <summary>A 64-bit FNV-1a digest of the layout text.</summary>
    private static ulong Fingerprint(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return hash;
    }
}
