using System.Security.Cryptography;
using System.Text.Json;

namespace ModelGen.Cli.Tests;

/// <summary><c>modelgen verify</c> on a snapshot folder of the Hugging Face cache: every file a link into <c>../../blobs</c>.</summary>
public sealed class HubCacheVerifyTests : IDisposable
{
    private readonly TestCheckpoints _checkpoints = new();

    public void Dispose() => _checkpoints.Dispose();

    /// <summary>Moves every file of <paramref name="folder"/> into <c>blobs/&lt;sha256&gt;</c> and links it from a snapshot folder.</summary>
    private string ToSnapshot(string folder)
    {
        string blobs = Path.Combine(_checkpoints.Folder, "cache", "blobs");
        string snapshot = Path.Combine(_checkpoints.Folder, "cache", "snapshots", "4f2a9c0d");
        Directory.CreateDirectory(blobs);
        Directory.CreateDirectory(snapshot);
        foreach (string file in Directory.GetFiles(folder))
        {
            string blob = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));
            File.Move(file, Path.Combine(blobs, blob));
            File.CreateSymbolicLink(Path.Combine(snapshot, Path.GetFileName(file)), Path.Combine("..", "..", "blobs", blob));
        }
        return snapshot;
    }

    [Fact]
    public void A_sharded_snapshot_of_links_verifies()
    {
        if (OperatingSystem.IsWindows())
            return;
        var sharded = _checkpoints.Sharded(TestCheckpoints.SmallTensors(), maxShardBytes: 512);
        string snapshot = ToSnapshot(Path.GetDirectoryName(sharded.IndexPath)!);

        CliRun run = CliRun.Of("verify", snapshot, "--json");

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        Assert.True(json.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal(4, json.RootElement.GetProperty("tensors").GetInt32());
        Assert.Equal([512L, 152L], json.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("bytes").GetInt64()));
    }

    [Fact]
    public void A_single_file_snapshot_of_one_link_verifies()
    {
        if (OperatingSystem.IsWindows())
            return;
        string path = _checkpoints.Single(TestCheckpoints.SmallTensors(), Path.Combine("single", "model.safetensors"));
        string snapshot = ToSnapshot(Path.GetDirectoryName(path)!);

        CliRun run = CliRun.Of("verify", Path.Combine(snapshot, "model.safetensors"));

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Contains("4 tensors, 664 bytes (664 B) in 1 file", run.Stdout);
    }
}
