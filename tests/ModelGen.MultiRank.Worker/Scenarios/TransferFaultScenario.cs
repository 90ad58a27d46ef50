using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.Loading.Transfer;
using ModelGen.Sharding;
using TorchSharp;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// A fully sharded transfer of three 40 MiB tensors (two batches) in which one rank fails at one step, and must end
/// every rank with that rank's error instead of hanging or aborting the job. Options: fault=prepare (rank 0 cannot fill
/// the second tensor, half-way through the first batch) or fault=place (the rank in rank=R cannot take the first
/// tensor once it arrived, so it enters the second batch's agreement with nothing prepared); transport=Auto|Broadcast.
/// </summary>
public static class TransferFaultScenario
{
    /// <summary>The exit code of every rank once the transfer failed alike on all of them.</summary>
    public const int FailedExitCode = 4;

    private const long Rows = 10 << 10, Columns = 1 << 10; // 40 MiB of float32 each

    internal static int Run(IProcessGroup group, Report report, WorkerOptions options)
    {
        string fault = options.Text("fault", "prepare");
        int placeFails = options.Int("rank", 1);
        var items = new ShardedLoadItem[3];
        for (int i = 0; i < items.Length; i++)
        {
            int index = i;
            items[i] = new ShardedLoadItem($"w{i}", [Rows, Columns], torch.ScalarType.Float32, Sharded: true,
                tensor =>
                {
                    if (fault == "prepare" && index == 1) throw new IOException($"rank {group.Rank} cannot read 'w{index}'");
                    tensor.fill_(index);
                },
                () => $"'w{index}'");
        }

        var placed = new List<torch.Tensor>();
        try
        {
            var transport = TransportSelection.ChooseShard(group, Enum.Parse<LoadTransport>(options.Text("transport", "Auto")), new TransferCounts());
            using var staging = transport as IDisposable;
            ShardedTransfer.Run(group, transport, items, "fault model", (index, padded, view) =>
            {
                if (fault == "place" && group.Rank == placeFails && index == 0)
                    throw new InvalidOperationException($"rank {group.Rank} cannot place 'w{index}'");
                placed.Add(padded);
            });
            report.Event("transferred", ("tensors", placed.Count));
            return 0;
        }
        catch (Exception e) when (e is DistributedLoadException)
        {
            report.Event("transfer-failed", ("type", e.GetType().Name), ("message", e.Message.Replace('\n', ' ')));
            group.Barrier(); // every rank's line is out before any rank exits non-zero
            return FailedExitCode;
        }
        finally
        {
            foreach (torch.Tensor tensor in placed) tensor.Dispose();
        }
    }
}
