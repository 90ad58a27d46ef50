using System.Diagnostics;
using System.Runtime.InteropServices;
using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.MultiRank.Worker.Loading;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// A rank that stops responding: after a first barrier, rank "stopper" sends itself SIGSTOP; the others call a
/// collective ("at": agree, barrier, all-gather, scatter, gather, load, or node: with the ranks grouped by node before the stop, the
/// leaders wait in a barrier of the leaders' group and then of their node's, the other ranks in their node's) with a timeout of "timeout" seconds and report the
/// <see cref="DistributedTimeoutException"/>, then that a further collective is refused at once and that Dispose
/// returns. Every rank first reports its process id, so that the test can kill what is left.
/// "then": "wait" (the live ranks sleep until the test kills the job) or "throw" (the exception escapes, as in a
/// program that does not catch it: the group's handler aborts the job). "late=SECONDS": the stopper does not stop
/// but stays busy outside the collectives that long, then calls the same collective, which must fail at once.
/// </summary>
internal static partial class StopScenario
{
    private const int SigStop = 19;

    public static int Run(IProcessGroup group, Report report, WorkerOptions options)
    {
        int stopper = options.Int("stopper", 2);
        double seconds = options.Long("timeout", 3);
        string at = options.Text("at", "agree");
        string then = options.Text("then", "wait");
        report.Event("pid", ("pid", Environment.ProcessId));
        NodeGroups? nodes = at == "node" ? NodeGroups.Of(group) : null;
        group.Barrier();

        int late = options.Int("late", 0);
        if (group.Rank == stopper && late > 0)
        {
            report.Event("busy");
            Thread.Sleep(TimeSpan.FromSeconds(late));
        }
        else if (group.Rank == stopper)
        {
            report.Event("stopping");
            _ = Kill(Environment.ProcessId, SigStop);
            report.Event("unexpectedly-continued");
            return 1;
        }

        TimeSpan timeout = TimeSpan.FromSeconds(seconds);
        TimeSpan before = group.Timeout;
        var clock = Stopwatch.StartNew();
        DistributedTimeoutException error;
        try
        {
            if (nodes is not null) CallOnNodes(nodes, timeout);
            else Call(group, at, timeout, options);
            report.Event("unexpectedly-completed");
            return 1;
        }
        catch (DistributedTimeoutException e) when (then == "wait")
        {
            error = e;
        }

        report.Event("timed-out",
            ("elapsedMs", clock.ElapsedMilliseconds), ("missing", string.Join(",", error.MissingRanks)),
            ("abandonedBy", error.AbandonedBy), ("operation", error.Operation), ("number", error.CollectiveNumber),
            ("timeoutRestored", group.Timeout == (at == "load" ? before : timeout)), ("message", error.Message.Replace('\n', ' ')));

        clock.Restart();
        string after = ErrorOf(group.Barrier);
        report.Event("after", ("error", after), ("elapsedMs", clock.ElapsedMilliseconds));
        clock.Restart();
        group.Dispose();
        report.Event("disposed", ("elapsedMs", clock.ElapsedMilliseconds));
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    private static void Call(IProcessGroup group, string at, TimeSpan timeout, WorkerOptions options)
    {
        if (at == "load")
        {
            ShardedLoader.Load(MetaConstruction.Build(() => new RankTestModel()), options.Text("checkpoint", ""),
                new LoadOptions { ProcessGroup = group, Timeout = timeout });
            return;
        }
        group.Timeout = timeout;
        switch (at)
        {
            case "agree":
                group.ThrowIfAnyRankFailed(null);
                break;
            case "barrier":
                group.Barrier();
                break;
            case "all-gather":
                using (var input = TorchSharp.torch.ones(1 << 20))
                using (var output = TorchSharp.torch.empty(group.Size << 20))
                    group.AllGather(input, output);
                break;
            case "scatter":
                MoveParts(group, scatter: true);
                break;
            case "gather":
                MoveParts(group, scatter: false);
                break;
            default:
                throw new ArgumentException($"unknown collective '{at}'");
        }
    }

    /// <summary>A scatter (or gather) of 1 MiB per rank from (or to) rank 0: its size agreement and its data phase are one collective.</summary>
    private static unsafe void MoveParts(IProcessGroup group, bool scatter)
    {
        const long PartBytes = 1 << 20;
        long[] counts = Enumerable.Repeat(PartBytes, group.Size).ToArray();
        long[] offsets = Enumerable.Range(0, group.Size).Select(r => r * PartBytes).ToArray();
        byte[] all = new byte[group.Rank == 0 ? group.Size * PartBytes : 0];
        byte[] own = new byte[PartBytes];
        fixed (byte* whole = all)
        fixed (byte* part = own)
        {
            if (scatter) group.ScatterNative((nint)whole, counts, offsets, (nint)part, PartBytes);
            else group.GatherNative((nint)part, PartBytes, (nint)whole, counts, offsets);
        }
    }

    /// <summary>
    /// The sub-groups have the job's timeout and liveness: a rank waiting in its node's barrier hears of a leader that
    /// stopped waiting for another node. The other ranks wait longer (an own deadline of 20 s), so they can only stop
    /// by hearing from a leader.
    /// </summary>
    private static void CallOnNodes(NodeGroups nodes, TimeSpan timeout)
    {
        nodes.Job.Timeout = nodes.IsLeader ? timeout : TimeSpan.FromSeconds(20);
        nodes.Leaders?.Barrier();
        nodes.Node.Barrier();
    }

    private static string ErrorOf(Action action)
    {
        try
        {
            action();
            return "none";
        }
        catch (Exception e)
        {
            return e.GetType().Name;
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
