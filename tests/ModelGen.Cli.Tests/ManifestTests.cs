using System.Text.Json;

namespace ModelGen.Cli.Tests;

public sealed class ManifestTests : IDisposable
{
    private readonly TestCheckpoints _checkpoints = new();

    public void Dispose() => _checkpoints.Dispose();

    [Fact]
    public void Writes_the_manifest_lines_sorted_by_key()
    {
        string path = _checkpoints.Single(TestCheckpoints.SmallTensors());
        string target = Path.Combine(_checkpoints.Folder, "model.manifest");

        CliRun run = CliRun.Of("manifest", path, "-o", target);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(
            "# ModelGen checkpoint manifest of model.safetensors: key dtype shape\n" +
            "embed.weight F32 [16,8]\n" +
            "layers.0.proj.bias BF16 [8]\n" +
            "layers.0.proj.weight BF16 [8,8]\n" +
            "step I64 []\n",
            File.ReadAllText(target));
        Assert.Contains("4 tensors", run.Stdout);
    }

    [Fact]
    public void Equals_the_build_steps_manifest_for_a_file_an_index_and_a_folder()
    {
        string single = _checkpoints.Single(TestCheckpoints.SmallTensors());
        var sharded = _checkpoints.Sharded(TestCheckpoints.SmallTensors(), maxShardBytes: 200);

        // CheckpointManifest is the build step's own code (the ModelGenWriteCheckpointManifests task).
        Assert.Equal(CheckpointManifest.FromCheckpoint(single), CliRun.Of("manifest", single).Stdout);
        Assert.Equal(CheckpointManifest.FromCheckpoint(sharded.IndexPath), CliRun.Of("manifest", sharded.IndexPath).Stdout);
        Assert.Equal(CheckpointManifest.FromCheckpoint(sharded.IndexPath), CliRun.Of("manifest", Path.GetDirectoryName(sharded.IndexPath)!).Stdout);
    }

    [Fact]
    public void Missing_shard_fails_unless_allowed_and_then_gives_key_only_lines_like_the_build()
    {
        var sharded = _checkpoints.Sharded(TestCheckpoints.SmallTensors(), maxShardBytes: 512);
        File.Delete(sharded.ShardPaths[1]);

        CliRun strict = CliRun.Of("manifest", sharded.IndexPath);
        CliRun allowed = CliRun.Of("manifest", sharded.IndexPath, "--allow-missing-shards");
        CliRun folder = CliRun.Of("manifest", Path.GetDirectoryName(sharded.IndexPath)!, "--allow-missing-shards");

        Assert.Equal(1, strict.ExitCode);
        Assert.Contains("ShardFileMissing", strict.Stderr);
        Assert.Equal(0, allowed.ExitCode);
        Assert.Equal(CheckpointManifest.FromCheckpoint(sharded.IndexPath), allowed.Stdout);
        Assert.Contains("\nstep\n", allowed.Stdout);
        Assert.Contains("embed.weight F32 [16,8]\n", allowed.Stdout);
        Assert.Equal(allowed.Stdout, folder.Stdout);
    }

    [Fact]
    public void Json_summary_needs_an_output_file()
    {
        string path = _checkpoints.Single(TestCheckpoints.SmallTensors());
        string target = Path.Combine(_checkpoints.Folder, "out.manifest");

        CliRun withoutFile = CliRun.Of("manifest", path, "--json");
        CliRun withFile = CliRun.Of("manifest", path, "--output", target, "--json");

        Assert.Equal(2, withoutFile.ExitCode);
        Assert.Equal(0, withFile.ExitCode);
        using JsonDocument json = JsonDocument.Parse(withFile.Stdout);
        Assert.Equal(4, json.RootElement.GetProperty("tensors").GetInt32());
        Assert.Equal(Path.GetFullPath(target), json.RootElement.GetProperty("manifest").GetString());
    }

    [Fact]
    public void A_file_that_is_not_a_checkpoint_is_rejected()
    {
        string other = Path.Combine(_checkpoints.Folder, "notes.txt");
        File.WriteAllText(other, "hello");

        CliRun run = CliRun.Of("manifest", other);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("NotACheckpoint", run.Stderr);
    }
}
