using System.Text.Json;
using ModelGen.Examples.Tests.Infrastructure;
using ModelGen.Examples.Tests.Reference;
using TorchSharp;

namespace ModelGen.Examples.Tests.RunScript;

/// <summary>
/// ./run.sh, the main job: its standard output is the example's report alone (so <c>./run.sh --json | jq</c> works),
/// and it builds only when a file the example is built from is newer than its last build, saying so on standard error.
/// </summary>
public sealed class RunScriptTests : IDisposable
{
    private const string UpToDate = "run.sh: the example is up to date (no build).";
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(5);
    private static readonly string Script = Path.Combine(Repository.Root, "run.sh");
    private static readonly string Stamp = Path.Combine(Repository.Root, "examples", "ModelGen.Examples.Llama", "obj", "Release", "run.sh.built");

    private readonly string _checkpoint = Directory.CreateTempSubdirectory("modelgen-runsh-").FullName;

    public RunScriptTests()
    {
        // A tiny Llama checkpoint: the tests measure the script, not a 400 MiB demo load.
        var model = new ReferenceModel { ModelType = "llama" };
        Dictionary<string, torch.Tensor> weights = ReferenceWeights.Create(model, seed: 3);
        TinyCheckpoint.Write(_checkpoint, TinyCheckpoint.BaseConfig(model), weights);
        foreach (torch.Tensor weight in weights.Values) weight.Dispose();
    }

    public void Dispose() => Directory.Delete(_checkpoint, recursive: true);

    [Fact]
    public async Task JsonOutputParsesAndASecondCallDoesNotBuild()
    {
        ProgramRun first = await RunScript("--json", "--checkpoint", _checkpoint);
        Assert.True(first.ExitCode == 0, first.ToString());
        AssertOneReport(first);

        ProgramRun second = await RunScript("--json", "--checkpoint", _checkpoint);
        Assert.True(second.ExitCode == 0, second.ToString());
        AssertOneReport(second);
        Assert.Contains(UpToDate, second.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Build succeeded", second.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInputNewerThanTheLastBuildRebuildsOnce()
    {
        ProgramRun prepared = await RunScript("--help");
        Assert.True(prepared.ExitCode == 0, prepared.ToString());
        Assert.True(File.Exists(Stamp), $"run.sh keeps {Stamp} after a build");

        // Every source file is now newer than the last build.
        File.SetLastWriteTimeUtc(Stamp, new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        ProgramRun rebuilt = await RunScript("--help");
        Assert.True(rebuilt.ExitCode == 0, rebuilt.ToString());
        Assert.Contains("changed since the last build: rebuilding the example", rebuilt.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Build succeeded", rebuilt.StandardOutput, StringComparison.Ordinal);
        Assert.True(File.GetLastWriteTimeUtc(Stamp) > DateTime.UtcNow.AddHours(-1), "the stamp records the new build");

        ProgramRun again = await RunScript("--help");
        Assert.Contains(UpToDate, again.StandardError, StringComparison.Ordinal);
    }

    private static Task<ProgramRun> RunScript(params string[] arguments) =>
        ProgramRun.RunAsync("bash", [Script, .. arguments], Repository.Root, Bound);

    /// <summary>Standard output is exactly one JSON object: the example's report, with no build lines around it.</summary>
    private static void AssertOneReport(ProgramRun run)
    {
        using JsonDocument report = JsonDocument.Parse(run.StandardOutput);
        Assert.Equal("modelgen", report.RootElement.GetProperty("scenario").GetString());
        Assert.Equal(JsonValueKind.String, report.RootElement.GetProperty("logits_checksum").ValueKind);
    }
}
