using ModelGen.Distributed;
using ModelGen.MultiRank.Worker;
using ModelGen.MultiRank.Worker.Scenarios;

// Usage: ModelGen.MultiRank.Worker <scenario> [name=value ...]
// Every rank prints "rank=<r> event=<name> ..." lines; the tests compare them across ranks.
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: ModelGen.MultiRank.Worker <scenario> [name=value ...]");
    return 2;
}

var options = WorkerOptions.Parse(args.AsSpan(1));
if (args[0] == "lifecycle")
    return LifecycleScenario.Run(options.Text("mode", "owned"), options.Text("abort", "no") == "yes");
if (args[0] == "shared-group")
    return SharedGroupScenario.Run(options);

using IProcessGroup group = ProcessGroups.FromEnvironment();
var report = new Report(group.Rank);
return args[0] switch
{
    "info" => InfoScenario.Run(group, report),
    "broadcast" => BroadcastScenario.Run(group, report, options),
    "message" => MessageScenario.Run(group, report, options),
    "barrier" => BarrierScenario.Run(group, report),
    "agree" => AgreeScenario.Run(group, report, options),
    "die" => DieScenario.Run(group, report, options),
    "abort" => AbortScenario.Run(group, report, options),
    "libraries" => LibrariesScenario.Run(group, report),
    "bench" => BenchScenario.Run(group, report, options),
    "load" => LoadScenario.Run(group, report, options),
    "shard-load" => ShardedLoadScenario.Run(group, report, options),
    "transfer-fault" => TransferFaultScenario.Run(group, report, options),
    "shard-memory" => ShardedMemoryScenario.Run(group, report, options),
    "save" => SaveScenario.Run(group, report, options),
    "save-memory" => SaveMemoryScenario.Run(group, report, options),
    "hang" => HangScenario.Run(group, report),
    "throw" => ThrowScenario.Run(group, report, options),
    "bad-arguments" => BadArgumentsScenario.Run(group, report),
    "all-gather" => AllGatherScenario.Run(group, report, options),
    "all-reduce" => AllReduceScenario.Run(group, report, options),
    "reduce-scatter" => ReduceScatterScenario.Run(group, report, options),
    "parts" => PartsScenario.Run(group, report, options),
    "train" => TrainScenario.Run(group, report, options),
    "allocator" => AllocatorScenario.Run(group, report),
    "stop" => StopScenario.Run(group, report, options),
    "nodes" => NodesScenario.Run(group, report),
    _ => report.Fail($"unknown scenario '{args[0]}'"),
};
