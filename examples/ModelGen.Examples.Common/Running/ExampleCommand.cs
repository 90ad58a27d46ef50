using System.CommandLine;
using System.CommandLine.Parsing;
using ModelGen.Examples.Checkpoints;
using ModelGen.Loading;

namespace ModelGen.Examples.Running;

/// <summary>The command line every example shares.</summary>
public static class ExampleCommand
{
    /// <summary>Parses <paramref name="args"/> and runs <paramref name="recipe"/>; returns the process exit code.</summary>
    public static int Run(ExampleRecipe recipe, string[] args)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var checkpoint = new Option<string>("--checkpoint")
        {
            Description = "Hugging Face checkpoint folder (config.json + model.safetensors or model.safetensors.index.json). " +
                          $"The default, {recipe.DefaultCheckpointFolder}, is the demo folder: when it holds no checkpoint, rank 0 writes a random one there first.",
            DefaultValueFactory = _ => recipe.DefaultCheckpointFolder,
        };
        var createRandom = new Option<bool>("--create-random")
        {
            Description = "When the --checkpoint folder is missing or holds no checkpoint, write a random one there first (instead of failing).",
        };
        var sizeMib = Positive(new Option<int>("--size-mib")
        {
            Description = "Size of the random checkpoint to write, in MiB (ignored when the checkpoint exists).",
            DefaultValueFactory = _ => recipe.DefaultSizeMib,
        });
        var checkpointDType = DTypeOption("--checkpoint-dtype", "Element type of the random checkpoint to write.", "bf16");
        var tied = new Option<bool>("--tied") { Description = "Write the random checkpoint with the LM head tied to the embedding." };
        var shardMib = Positive(new Option<int>("--shard-mib") { Description = "Largest shard of the random checkpoint, in MiB.", DefaultValueFactory = _ => 100 });
        var seed = new Option<long>("--seed") { Description = "Seed of the random checkpoint's weights.", DefaultValueFactory = _ => 1234 };
        var dtype = DTypeOption("--dtype", "Element type of the loaded model (default: the checkpoint's torch_dtype).", null);
        var threads = new Option<int?>("--threads") { Description = "torch compute threads per rank (default: torch's choice)." };
        threads.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is <= 0) r.AddError("--threads must be positive."); });
        var noForward = new Option<bool>("--no-forward") { Description = "Skip the forward pass (for load benchmarks)." };
        var transport = new Option<LoadTransport>("--transport")
        {
            Description = "How tensors reach the other ranks: Auto (peer reads on one machine, else broadcast), Broadcast or PeerRead.",
            DefaultValueFactory = _ => LoadTransport.Auto,
        };
        var noMap = new Option<bool>("--no-map") { Description = "Give rank 0 its own copy of the checkpoint instead of mapping the file's pages." };
        var shard = new Option<bool>("--shard")
        {
            Description = "Fully sharded placement: every rank holds and receives only its torch.chunk rows of each tensor; the forward pass gathers one unit (decoder layer) at a time.",
        };
        var save = new Option<string?>("--save")
        {
            Description = "After the forward pass, save the model as a Hugging Face folder here (shards + index + config.json); the folder must not hold a checkpoint yet.",
        };
        var trainSteps = new Option<int>("--train-steps")
        {
            Description = "After the load, train this many AdamW steps (gradients clipped to norm 1) on random token sequences of a fixed seed, split over the ranks; the forward pass and --save then use the trained model.",
        };
        trainSteps.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 0) r.AddError("--train-steps must not be negative."); });
        var trainSequences = Positive(new Option<int>("--train-sequences")
        {
            Description = "Sequences in the global training batch; must be a multiple of the number of ranks (rank r takes sequences r, r + N, ...).",
            DefaultValueFactory = _ => 3,
        });
        var trainLength = new Option<int>("--train-length") { Description = "Tokens per training sequence.", DefaultValueFactory = _ => 16 };
        trainLength.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 2) r.AddError("--train-length must be at least 2 (next-token prediction)."); });
        var json = new Option<bool>("--json") { Description = "Print one JSON object per rank on standard output; progress goes to standard error." };

        var root = new RootCommand(recipe.Description) { checkpoint, createRandom, sizeMib, checkpointDType, tied, shardMib, seed, dtype, threads, noForward, transport, noMap, shard, save, trainSteps, trainSequences, trainLength, json };
        root.SetAction(parse =>
        {
            string? loadDType = parse.GetValue(dtype);
            var settings = new ExampleSettings
            {
                CheckpointFolder = parse.GetValue(checkpoint)!,
                CreateRandom = parse.GetValue(createRandom),
                SizeMib = parse.GetValue(sizeMib),
                CheckpointDType = CheckpointDTypes.Parse(parse.GetValue(checkpointDType)!),
                TiedEmbeddings = parse.GetValue(tied),
                ShardMib = parse.GetValue(shardMib),
                Seed = parse.GetValue(seed),
                DType = loadDType is null ? null : CheckpointDTypes.Parse(loadDType),
                Threads = parse.GetValue(threads),
                NoForward = parse.GetValue(noForward),
                Transport = parse.GetValue(transport),
                MapCheckpoint = !parse.GetValue(noMap),
                Shard = parse.GetValue(shard),
                SaveFolder = parse.GetValue(save),
                TrainSteps = parse.GetValue(trainSteps),
                TrainSequences = parse.GetValue(trainSequences),
                TrainLength = parse.GetValue(trainLength),
                Json = parse.GetValue(json),
            };
            return ExampleRunner.Run(recipe, settings);
        });
        return root.Parse(args).Invoke();
    }

    private static Option<int> Positive(Option<int> option)
    {
        option.Validators.Add(r => { if (r.GetValueOrDefault<int>() <= 0) r.AddError($"{option.Name} must be positive."); });
        return option;
    }

    private static Option<string?> DTypeOption(string name, string description, string? defaultValue)
    {
        var option = new Option<string?>(name) { Description = description + " One of: " + string.Join(", ", CheckpointDTypes.Names) + "." };
        if (defaultValue is not null) option.DefaultValueFactory = _ => defaultValue;
        option.AcceptOnlyFromAmong([.. CheckpointDTypes.Names]);
        return option;
    }
}
