using System.Text;
using ModelGen.Distributed;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// Variable-length messages that only the root knows the length of (from every root, including an empty one),
/// a fixed-length span broadcast, and a max-reduction.
/// </summary>
internal static class MessageScenario
{
    public static int Run(IProcessGroup group, Report report)
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
        return 0;
    }
}
