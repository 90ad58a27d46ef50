using System.Runtime.InteropServices;
using ModelGen.Distributed;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// ScatterNative then GatherNative of raw byte parts of uneven sizes. The root's buffer holds every rank's part at
/// an offset with a gap of 3 bytes after each part; every byte's value follows from its rank and position. The
/// scatter delivers rank r's part to rank r, then every rank sends its part back and the root gathers them into a
/// second buffer laid out the same way; both sides compare every byte.
/// Options: counts (bytes per rank, e.g. "5,0,70000"), root, chunk, lie=RANK (that rank passes its count + 1, and
/// every rank must refuse), short=yes (the root passes one count too few, and every rank must refuse).
/// </summary>
internal static unsafe class PartsScenario
{
    private const long Gap = 3;

    public static int Run(IProcessGroup group, Report report, WorkerOptions options)
    {
        long[] counts = options.Text("counts", "5,0,70000").Split(',').Select(long.Parse).ToArray();
        int root = options.Int("root", 0);
        int liar = options.Int("lie", -1);
        bool shortCounts = options.Text("short", "no") == "yes";
        int chunk = CollectiveInputs.ApplyChunk(group, options);
        if (counts.Length != group.Size)
            return report.Fail($"counts has {counts.Length} entries for {group.Size} ranks");

        long[] offsets = new long[group.Size];
        for (int r = 1; r < group.Size; r++) offsets[r] = offsets[r - 1] + counts[r - 1] + Gap;
        long total = offsets[^1] + counts[^1] + Gap;
        long myCount = counts[group.Rank] + (group.Rank == liar ? 1 : 0);

        byte* all = (byte*)NativeMemory.AllocZeroed((nuint)total);
        byte* back = (byte*)NativeMemory.AllocZeroed((nuint)total);
        byte* part = (byte*)NativeMemory.AllocZeroed((nuint)Math.Max(1, myCount));
        try
        {
            bool isRoot = group.Rank == root;
            if (isRoot)
            {
                for (int r = 0; r < group.Size; r++)
                    for (long k = 0; k < counts[r]; k++) all[offsets[r] + k] = Pattern(r, k);
            }
            long[] rootCounts = isRoot ? counts[..(shortCounts ? group.Size - 1 : group.Size)] : [];
            long[] rootOffsets = isRoot ? offsets : [];
            string refused = Refusal(() => group.ScatterNative((nint)all, rootCounts, rootOffsets, (nint)part, myCount, root));
            if (refused != "none")
            {
                report.Event("parts-refused", ("message", refused));
                return 0;
            }
            bool scattered = Enumerable.Range(0, (int)myCount).All(k => part[k] == Pattern(group.Rank, k));

            group.GatherNative((nint)part, myCount, (nint)back, rootCounts, rootOffsets, root);
            string gathered = "not-root";
            if (isRoot)
            {
                bool parts = Enumerable.Range(0, group.Size).All(r => Enumerable.Range(0, (int)counts[r]).All(k => back[offsets[r] + k] == Pattern(r, k)));
                bool gaps = Enumerable.Range(0, group.Size).All(r => Enumerable.Range(0, (int)Gap).All(g => back[offsets[r] + counts[r] + g] == 0));
                gathered = (parts && gaps).ToString();
            }
            report.Event("parts", ("root", root), ("count", myCount), ("chunk", chunk), ("scattered", scattered), ("gathered", gathered));
            return 0;
        }
        finally
        {
            NativeMemory.Free(all);
            NativeMemory.Free(back);
            NativeMemory.Free(part);
        }
    }

    private static byte Pattern(int rank, long index) => (byte)((index * 31 + rank * 101 + 7) % 251);

    private static string Refusal(Action action)
    {
        try
        {
            action();
            return "none";
        }
        catch (ArgumentException e)
        {
            return $"{e.GetType().Name}:{e.Message.Replace(' ', '_')}";
        }
    }
}
