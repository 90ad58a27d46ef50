using System.Text.Json;
using ModelGen.MultiRank.Tests.Launching;

namespace ModelGen.MultiRank.Tests.Examples;

/// <summary>
/// The example programs end to end: a small random checkpoint written on first use, loaded by one process and by
/// 3 MPI ranks; every rank must report the same logits checksum as the single-process run, and no initializer may
/// have run on a loaded key.
/// </summary>
public sealed class ExampleProgramTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "modelgen-example-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { }
    }

    [Theory]
    [InlineData("ModelGen.Examples.Llama", "--size-mib", "24")]
    [InlineData("ModelGen.Examples.Moe", "--size-mib", "8")]
    public async Task EveryRankComputesTheSameLogitsAsOneProcess(string example, string sizeOption, string size)
    {
        string dll = ExampleDll(example);
        string checkpoint = Path.Combine(_folder, example);
        string[] arguments = ["--checkpoint", checkpoint, "--create-random", sizeOption, size, "--json"];

        WorkerRun single = await WorkerLauncher.ProgramAsync(dll, arguments, ranks: 0, Bound);
        Assert.True(single.ExitCode == 0, single.ToString());
        JsonElement alone = Assert.Single(Reports(single));
        Assert.True(File.Exists(Path.Combine(checkpoint, "model.safetensors.index.json")), "the example wrote a sharded checkpoint");

        WorkerRun job = await WorkerLauncher.ProgramAsync(dll, arguments, ranks: WorkerLauncher.Ranks, Bound);
        Assert.True(job.ExitCode == 0, job.ToString());
        var ranks = Reports(job);
        Assert.Equal([0, 1, 2], ranks.Select(r => r.GetProperty("rank").GetInt32()).Order());

        string expected = alone.GetProperty("logits_checksum").GetString()!;
        Assert.All(ranks.Append(alone), report =>
        {
            Assert.Equal(expected, report.GetProperty("logits_checksum").GetString());
            Assert.Equal(0, report.GetProperty("init_calls_on_loaded").GetInt64());
            Assert.Equal(alone.GetProperty("keys_loaded").GetInt32(), report.GetProperty("keys_loaded").GetInt32());
            Assert.Equal(alone.GetProperty("param_bytes").GetInt64(), report.GetProperty("param_bytes").GetInt64());
            // What a rank holds after loading is the parameters, not a second copy of the checkpoint.
            long growth = report.GetProperty("peak_rss_bytes").GetInt64() - report.GetProperty("rss_before_load_bytes").GetInt64();
            Assert.True(growth <= report.GetProperty("param_bytes").GetInt64() + (128L << 20), $"rank grew by {growth} bytes");
        });
    }

    [Theory]
    [InlineData("ModelGen.Examples.Llama", "--size-mib", "24")]
    [InlineData("ModelGen.Examples.Moe", "--size-mib", "8")]
    public async Task FullyShardedRanksComputeTheSameLogitsHoldingAThirdEach(string example, string sizeOption, string size)
    {
        string dll = ExampleDll(example);
        string checkpoint = Path.Combine(_folder, example);
        string[] arguments = ["--checkpoint", checkpoint, "--create-random", sizeOption, size, "--json"];

        WorkerRun single = await WorkerLauncher.ProgramAsync(dll, arguments, ranks: 0, Bound);
        Assert.True(single.ExitCode == 0, single.ToString());
        JsonElement alone = Assert.Single(Reports(single));

        WorkerRun job = await WorkerLauncher.ProgramAsync(dll, [.. arguments, "--shard"], ranks: WorkerLauncher.Ranks, Bound);
        Assert.True(job.ExitCode == 0, job.ToString());
        var ranks = Reports(job);
        Assert.Equal([0, 1, 2], ranks.Select(r => r.GetProperty("rank").GetInt32()).Order());

        long model = alone.GetProperty("param_bytes").GetInt64();
        Assert.All(ranks, report =>
        {
            Assert.Equal("FullyShard", report.GetProperty("placement").GetString());
            Assert.Equal(alone.GetProperty("logits_checksum").GetString(), report.GetProperty("logits_checksum").GetString());
            Assert.Equal(0, report.GetProperty("init_calls_on_loaded").GetInt64());
            Assert.Equal(model, report.GetProperty("model_bytes").GetInt64());
            // About a third each (rows are split by torch.chunk, so the first ranks may hold a few rows more).
            long held = report.GetProperty("param_bytes").GetInt64();
            Assert.InRange(held, model / 3 - model / 50, model / 3 + model / 50);
            long received = report.GetProperty("received_bytes").GetInt64();
            Assert.Equal(report.GetProperty("rank").GetInt32() == 0 ? 0 : held, received);
        });
    }

    [Fact]
    public async Task AModelSavedFullyShardedOnThreeRanksLoadsBackToTheSameLogits()
    {
        string dll = ExampleDll("ModelGen.Examples.Llama");
        string checkpoint = Path.Combine(_folder, "source");
        string saved = Path.Combine(_folder, "saved");

        WorkerRun job = await WorkerLauncher.ProgramAsync(dll,
            ["--checkpoint", checkpoint, "--create-random", "--size-mib", "24", "--shard", "--save", saved, "--json"], ranks: WorkerLauncher.Ranks, Bound);
        Assert.True(job.ExitCode == 0, job.ToString());
        var ranks = Reports(job);
        string expected = Assert.Single(ranks.Select(r => r.GetProperty("logits_checksum").GetString()).Distinct())!;
        Assert.All(ranks, r => Assert.Equal(r.GetProperty("model_bytes").GetInt64(), r.GetProperty("saved_bytes").GetInt64()));
        Assert.True(File.Exists(Path.Combine(saved, "config.json")), "the config is saved beside the weights");

        WorkerRun reloaded = await WorkerLauncher.ProgramAsync(dll, ["--checkpoint", saved, "--json"], ranks: 0, Bound);
        Assert.True(reloaded.ExitCode == 0, reloaded.ToString());
        JsonElement alone = Assert.Single(Reports(reloaded));
        Assert.Equal(expected, alone.GetProperty("logits_checksum").GetString());
        Assert.Equal(0, alone.GetProperty("keys_initialized").GetInt32());

        // The folder holds a checkpoint now: saving into it again is refused, on every rank, and leaves it as it was.
        WorkerRun again = await WorkerLauncher.ProgramAsync(dll, ["--checkpoint", saved, "--save", saved, "--no-forward"], ranks: 0, Bound);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains(saved, again.StandardError);
    }

    [Fact]
    public async Task TrainingStepsGiveTheSameLossesAloneReplicatedAndShardedAndTheTrainedModelSavesAndReloads()
    {
        string dll = ExampleDll("ModelGen.Examples.Llama");
        string checkpoint = Path.Combine(_folder, "source");
        string saved = Path.Combine(_folder, "trained");
        // Tied head: the smallest random Llama (one layer, 44M parameters) keeps three training runs quick.
        string[] arguments = ["--checkpoint", checkpoint, "--create-random", "--size-mib", "24", "--tied", "--dtype", "f32", "--train-steps", "3", "--json"];

        WorkerRun single = await WorkerLauncher.ProgramAsync(dll, arguments, ranks: 0, Bound);
        Assert.True(single.ExitCode == 0, single.ToString());
        double[] alone = Losses(Assert.Single(Reports(single)));
        Assert.Equal(3, alone.Length);
        // Training happened: every step moved the loss by far more than the tolerance between runs.
        for (int step = 1; step < alone.Length; step++)
            Assert.True(Math.Abs(alone[step] - alone[step - 1]) > 1e-3 * Math.Abs(alone[step - 1]), $"loss did not change at step {step + 1}: {string.Join(", ", alone)}");

        WorkerRun replicated = await WorkerLauncher.ProgramAsync(dll, arguments, ranks: WorkerLauncher.Ranks, Bound);
        Assert.True(replicated.ExitCode == 0, replicated.ToString());
        WorkerRun sharded = await WorkerLauncher.ProgramAsync(dll, [.. arguments, "--shard", "--save", saved], ranks: WorkerLauncher.Ranks, Bound);
        Assert.True(sharded.ExitCode == 0, sharded.ToString());

        AssertSameLosses(alone, "replicated", replicated);
        AssertSameLosses(alone, "sharded", sharded);

        // The trained, sharded model saved on 3 ranks reloads in one process to the trained logits.
        string trained = Assert.Single(Reports(sharded).Select(r => r.GetProperty("logits_checksum").GetString()).Distinct())!;
        WorkerRun reloaded = await WorkerLauncher.ProgramAsync(dll, ["--checkpoint", saved, "--json"], ranks: 0, Bound);
        Assert.True(reloaded.ExitCode == 0, reloaded.ToString());
        JsonElement back = Assert.Single(Reports(reloaded));
        Assert.Equal(trained, back.GetProperty("logits_checksum").GetString());
        Assert.Equal("float32", back.GetProperty("dtype").GetString());
        Assert.False(back.TryGetProperty("train_losses", out _), "a run without --train-steps trains nothing");
        // The forward pass after training reports the trained model: the source checkpoint's logits differ.
        WorkerRun untrained = await WorkerLauncher.ProgramAsync(dll, ["--checkpoint", checkpoint, "--dtype", "f32", "--json"], ranks: 0, Bound);
        Assert.True(untrained.ExitCode == 0, untrained.ToString());
        string loaded = Assert.Single(Reports(untrained)).GetProperty("logits_checksum").GetString()!;
        Assert.NotEqual(loaded, trained);
        Assert.NotEqual(loaded, Assert.Single(Reports(single)).GetProperty("logits_checksum").GetString());
    }

    [Fact]
    public async Task TheMixtureOfExpertsTrainsAlikeAloneReplicatedAndShardedThoughEachRankRoutesToOtherExperts()
    {
        string dll = ExampleDll("ModelGen.Examples.Moe");
        string checkpoint = Path.Combine(_folder, "moe");
        string[] arguments = ["--checkpoint", checkpoint, "--create-random", "--size-mib", "8", "--dtype", "f32", "--train-steps", "3", "--json"];

        WorkerRun single = await WorkerLauncher.ProgramAsync(dll, arguments, ranks: 0, Bound);
        Assert.True(single.ExitCode == 0, single.ToString());
        double[] alone = Losses(Assert.Single(Reports(single)));
        Assert.True(alone[2] < alone[0], $"training lowers the loss: {string.Join(", ", alone)}");

        WorkerRun replicated = await WorkerLauncher.ProgramAsync(dll, arguments, ranks: WorkerLauncher.Ranks, Bound);
        Assert.True(replicated.ExitCode == 0, replicated.ToString());
        AssertSameLosses(alone, "replicated", replicated);
        // Sharded: an expert no token of a rank chose has no gradient there, yet every rank reduces it.
        WorkerRun sharded = await WorkerLauncher.ProgramAsync(dll, [.. arguments, "--shard"], ranks: WorkerLauncher.Ranks, Bound);
        Assert.True(sharded.ExitCode == 0, sharded.ToString());
        AssertSameLosses(alone, "sharded", sharded);
    }

    [Fact]
    public async Task ATrainingBatchTheRanksCannotSplitIsRefusedNamingBoth()
    {
        string dll = ExampleDll("ModelGen.Examples.Llama");
        string checkpoint = Path.Combine(_folder, "never-written");
        WorkerRun job = await WorkerLauncher.ProgramAsync(dll,
            ["--checkpoint", checkpoint, "--create-random", "--train-steps", "1", "--train-sequences", "4"], ranks: WorkerLauncher.Ranks, Bound);
        Assert.Equal(1, job.ExitCode);
        Assert.Contains("--train-sequences 4", job.StandardError);
        Assert.Contains("3 ranks", job.StandardError);
        Assert.False(Directory.Exists(checkpoint), "refused before any checkpoint was written");
    }

    /// <summary>Every rank of <paramref name="run"/> reports the one-process losses within 1e-5 relative, and logits that agree between ranks.</summary>
    private static void AssertSameLosses(double[] alone, string name, WorkerRun run)
    {
        var ranks = Reports(run);
        Assert.Equal([0, 1, 2], ranks.Select(r => r.GetProperty("rank").GetInt32()).Order());
        Assert.All(ranks, report =>
        {
            double[] losses = Losses(report);
            Assert.Equal(alone.Length, losses.Length);
            for (int step = 0; step < alone.Length; step++)
                Assert.True(Math.Abs(losses[step] - alone[step]) <= 1e-5 * Math.Abs(alone[step]),
                    $"{name} rank {report.GetProperty("rank").GetInt32()} step {step + 1}: {losses[step]:R}, one process {alone[step]:R}");
            Assert.True(report.GetProperty("train_seconds").GetDouble() > 0);
            double[] steps = report.GetProperty("train_step_seconds").EnumerateArray().Select(s => s.GetDouble()).ToArray();
            Assert.Equal(alone.Length, steps.Length);
            Assert.All(steps, s => Assert.True(s > 0, $"{name}: step seconds {s}"));
            Assert.True(steps.Sum() <= report.GetProperty("train_seconds").GetDouble(), $"{name}: the steps take longer than training");
            Assert.True(report.GetProperty("train_peak_rss_bytes").GetInt64() >= report.GetProperty("train_rss_before_bytes").GetInt64(), $"{name}: training peak below the RSS before it");
            AssertTraffic(name, report);
            Assert.True(report.GetProperty("logits_agree_across_ranks").GetBoolean(), $"{name}: the trained model's logits differ between ranks");
        });
    }

    /// <summary>The last step's bytes per kind: replicated all-reduces every gradient; sharded gathers every unit twice and the root once, and reduce-scatters every gradient it has once.</summary>
    private static void AssertTraffic(string name, JsonElement report)
    {
        long allReduce = report.GetProperty("train_step_allreduce_bytes").GetInt64();
        long allGather = report.GetProperty("train_step_allgather_bytes").GetInt64();
        long reduceScatter = report.GetProperty("train_step_reducescatter_bytes").GetInt64();
        long model = report.GetProperty("model_bytes").GetInt64();
        double least = report.GetProperty("train_step_least_sent_bytes").GetDouble();
        if (name == "replicated")
        {
            Assert.True(allReduce >= model && allReduce < model + (1 << 20), $"{name}: all-reduced {allReduce} bytes of a {model}-byte model");
            Assert.Equal(0, allGather + reduceScatter);
            Assert.Equal(2.0 * allReduce * 2 / 3, least, 3);
        }
        else
        {
            // Padding adds at most a row per tensor; a tensor without a gradient on every rank (an expert no token chose) is not reduced.
            Assert.True(reduceScatter > 0 && reduceScatter < model + (1 << 20), $"{name}: reduce-scattered {reduceScatter} bytes of a {model}-byte model");
            Assert.True(allGather > reduceScatter && allGather >= model && allGather < 2 * (model + (1 << 20)), $"{name}: gathered {allGather} bytes, reduce-scattered {reduceScatter}, model {model}");
            Assert.Equal((2.0 * allReduce + allGather + reduceScatter) * 2 / 3, least, 3);
        }
    }

    private static double[] Losses(JsonElement report) =>
        report.GetProperty("train_losses").EnumerateArray().Select(l => l.GetDouble()).ToArray();

    internal static List<JsonElement> Reports(WorkerRun run) =>
        run.StandardOutput.Split('\n')
            .Select(line => line.IndexOf('{', StringComparison.Ordinal) is var start and >= 0 ? line[start..] : "")
            .Where(line => line.Length > 0)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .ToList();

    /// <summary>The example's own build output, in the configuration these tests were built in.</summary>
    internal static string ExampleDll(string example)
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = testBin.Name;
        string configuration = testBin.Parent!.Name;
        DirectoryInfo repository = testBin.Parent!.Parent!.Parent!.Parent!.Parent!;
        return Path.Combine(repository.FullName, "examples", example, "bin", configuration, framework, example + ".dll");
    }
}
