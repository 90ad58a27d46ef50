using System.Text;
using ModelGen.Distributed;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// Variable-length messages that only the root knows the length of (from every root, including an empty one),
/// a fixed-length span broadcast, a max-reduction of one number and of several in one round, and the agreement that
/// carries numbers: each rank fills its own slot, and in a second round ranks in "fail" (if any) fail.
/// </summary>
internal static class MessageScenario
{
    public static int Run(IProcessGroup group, Report report, WorkerOptions options)
    {
        for (int root = 0; root < group.Size; root++)
        {
            // Each rank offers a different text; only the root's may arrive everywhere.
            string offered = $"header from rank {group.Rank}: {new string('x', 1000 * (group.Rank + 1))}";
            byte[] received = group.BroadcastMessage(Encoding.UTF8.GetBytes(offered), root);
            string text = Encoding.UTF8.GetString(received);
            report.Event("message", ("root", root), ("length", received.Length), ("prefix", text[..Math.Min(22, text.Length)].Replace(' ', '_')));
        }

        byte[] empty = group.BroadcastMessage(group.Rank == 0 ? [] : [1, 2, 3], 0);
        report.Event("empty-message", ("length", empty.Length));

        Span<byte> fixedLength = stackalloc byte[16];
        fixedLength.Fill((byte)(group.Rank + 10));
        group.Broadcast(fixedLength, root: group.Size - 1);
        report.Event("span", ("first", fixedLength[0]), ("last", fixedLength[^1]));

        long max = group.AllReduceMax(group.Rank * 100L - 7);
        report.Event("max", ("value", max));

        // Element by element: a value only rank 1 knows, the largest rank, and negatives.
        long[] several = [group.Rank == 1 ? 1L << 50 : 0, group.Rank, -group.Rank - 5];
        group.AllReduceMax(several);
        report.Event("max-several", ("values", string.Join(",", several)));

        var slots = new long[group.Size];
        slots[group.Rank] = 1000 + group.Rank;
        AgreedMaximum.Of(group, null, slots);
        report.Event("agreed-slots", ("values", string.Join(",", slots)));

        IReadOnlySet<int> failing = options.Ranks("fail");
        try
        {
            var after = new long[] { group.Rank };
            AgreedMaximum.Of(group, failing.Contains(group.Rank) ? new InvalidDataException($"rank {group.Rank} could not read its slot") : null, after);
            report.Event("agreed-ok", ("values", string.Join(",", after)));
        }
        catch (DistributedLoadException e)
        {
            report.Event("agreed-failed", ("failingRank", e.FailingRank), ("message", e.Message));
        }
        return 0;
    }
}
