using System.Diagnostics;
using ModelGen.Distributed;
using ModelGen.Distributed.Mpi;
using TorchSharp;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// Broadcast throughput of one large tensor (option "bytes", default 1 GiB) into fresh (untouched) and into
/// already-touched receiver tensors, timed on the slowest rank, beside copies of the same size within one process
/// (the memory floor), and the cost of an error agreement in which no rank failed. Option "chunk" sets the largest
/// bytes per MPI call; "repeat" the rounds per measurement; "warmup=yes" reports a first broadcast into touched
/// memory on its own (it carries MPI's one-time setup).
/// </summary>
internal static class BenchScenario
{
    public static int Run(IProcessGroup group, Report report, WorkerOptions options)
    {
        long bytes = options.Long("bytes", 1L << 30);
        int repeat = options.Int("repeat", 3);
        int chunk = options.Int("chunk", 0);
        if (chunk > 0 && group is MpiProcessGroup mpi)
            mpi.MaxChunkBytes = chunk;

        using var source = torch.full([bytes], 7, dtype: torch.uint8);
        if (options.Text("warmup", "no") == "yes")
        {
            using var warm = group.Rank == 0 ? null : torch.zeros([bytes], dtype: torch.uint8);
            Measure(group, report, "warmup-touched", bytes, group.Rank == 0 ? source : warm!);
        }
        for (int round = 0; round < repeat; round++)
        {
            using (var fresh = group.Rank == 0 ? null : torch.empty([bytes], dtype: torch.uint8))
                Measure(group, report, "bcast-fresh", bytes, group.Rank == 0 ? source : fresh!);

            using (var prefaulted = group.Rank == 0 ? null : torch.empty([bytes], dtype: torch.uint8))
                Measure(group, report, "bcast-fresh-zeroed-first", bytes, group.Rank == 0 ? source : prefaulted!, zeroFirst: true);

            using var touched = group.Rank == 0 ? null : torch.zeros([bytes], dtype: torch.uint8);
            Measure(group, report, "bcast-touched", bytes, group.Rank == 0 ? source : touched!);
        }

        // The price of agreeing that nothing failed, which a loader pays per step.
        const int agreements = 1000;
        group.Barrier();
        long agreeTicks = Time(() =>
        {
            for (int i = 0; i < agreements; i++)
                group.AgreeOnError(null);
        });
        if (group.Rank == 0)
            report.Event("agree-none", ("calls", agreements), ("usPerCall", Math.Round(agreeTicks * 1e6 / Stopwatch.Frequency / agreements, 1)));

        if (group.Rank == 0)
        {
            for (int round = 0; round < repeat; round++)
            {
                using var fresh = torch.empty([bytes], dtype: torch.uint8);
                Report(report, "copy-fresh", bytes, Time(() => fresh.copy_(source)));
                Report(report, "copy-touched", bytes, Time(() => fresh.copy_(source)));
            }
        }
        group.Barrier();
        return 0;
    }

    private static void Measure(IProcessGroup group, Report report, string name, long bytes, torch.Tensor tensor, bool zeroFirst = false)
    {
        group.Barrier();
        long ticks = Time(() =>
        {
            // Faulting the pages in by the rank itself, before MPI writes them, is part of the measured time.
            if (zeroFirst && group.Rank != 0)
                tensor.zero_();
            group.Broadcast(tensor);
        });
        long slowest = group.AllReduceMax(ticks);
        if (group.Rank == 0)
            Report(report, name, bytes, slowest);
    }

    private static long Time(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetTimestamp() - start;
    }

    private static void Report(Report report, string name, long bytes, long ticks)
    {
        double seconds = (double)ticks / Stopwatch.Frequency;
        report.Event(name, ("bytes", bytes), ("ms", Math.Round(seconds * 1000, 1)), ("GBps", Math.Round(bytes / seconds / 1e9, 2)));
    }
}
