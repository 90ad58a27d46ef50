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

    private static List<JsonElement> Reports(WorkerRun run) =>
        run.StandardOutput.Split('\n')
            .Select(line => line.IndexOf('{', StringComparison.Ordinal) is var start and >= 0 ? line[start..] : "")
            .Where(line => line.Length > 0)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .ToList();

    /// <summary>The example's own build output, in the configuration these tests were built in.</summary>
    private static string ExampleDll(string example)
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = testBin.Name;
        string configuration = testBin.Parent!.Name;
        DirectoryInfo repository = testBin.Parent!.Parent!.Parent!.Parent!.Parent!;
        return Path.Combine(repository.FullName, "examples", example, "bin", configuration, framework, example + ".dll");
    }
}
