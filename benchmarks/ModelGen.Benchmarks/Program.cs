using System.Text.Json;
using ModelGen.Benchmarks;
using ModelGen.Benchmarks.Checkpoints;
using ModelGen.Benchmarks.Scenarios;

// Benchmark harness: each verb is one measured step, run in its own process by the scripts in benchmarks/.
var arguments = Arguments.Parse(args);
switch (arguments.Verb)
{
    case "make-checkpoint":
        CheckpointMaker.Make(arguments.Required("out"), arguments.Double("gib", 1.0), arguments.Get("dtype") ?? "bf16", arguments.Long("shard-mib", 0));
        break;
    case "safetensors-read":
        Console.WriteLine(JsonSerializer.Serialize(SafeTensorsReadScenarios.Run(arguments.Required("scenario"), arguments.Required("file"), arguments.Get("dtype") ?? "bf16")));
        break;
    case "load-floor":
        Console.WriteLine(JsonSerializer.Serialize(FloorLoadScenario.Run(arguments.Required("checkpoint"))));
        break;
    case "load-floor-mapped":
        Console.WriteLine(JsonSerializer.Serialize(MappedFloorLoadScenario.Run(arguments.Required("checkpoint"))));
        break;
    case "load-floor-sharded":
        Console.WriteLine(JsonSerializer.Serialize(ShardedFloorLoadScenario.Run(arguments.Required("checkpoint"), arguments.Long("window-mib", ShardedFloorLoadScenario.DefaultWindowBytes >> 20) << 20, arguments.Get("verify") == "true")));
        break;
    case "load-naive":
        Console.WriteLine(JsonSerializer.Serialize(NaiveLoadScenario.Run(arguments.Required("checkpoint"))));
        break;
    case "summarize-read":
        Console.Write(ReadSummary.Markdown(File.ReadAllLines(arguments.Required("results"))));
        break;
    case "summarize-load":
        var loadResults = LoadSummary.Summarize(arguments.Required("runs"));
        foreach (var result in loadResults) Console.WriteLine(JsonSerializer.Serialize(result));
        File.WriteAllText(arguments.Required("markdown"), LoadReport.Markdown(loadResults));
        if (arguments.Get("chart") is { } chart) LoadChart.Save(loadResults, chart);
        break;
    case "summarize-train":
        var trainResults = TrainSummary.Summarize(arguments.Required("runs"));
        File.WriteAllText(arguments.Required("markdown"), TrainReport.Markdown(trainResults));
        break;
    default:
        Console.Error.WriteLine("usage: ModelGen.Benchmarks <make-checkpoint|safetensors-read|load-floor|load-floor-mapped|load-floor-sharded|load-naive|summarize-read|summarize-load|summarize-train> --name value ...");
        return 2;
}
return 0;
