using System.Text;
using System.Text.Json;
using ModelGen.Cli.Verify;
using ModelGen.SafeTensors;

namespace ModelGen.Cli.Tests;

public sealed class VerifyTests : IDisposable
{
    private readonly TestCheckpoints _checkpoints = new();

    public void Dispose() => _checkpoints.Dispose();

    [Fact]
    public void Good_sharded_checkpoint_passes_with_plain_progress_lines_and_a_json_summary()
    {
        var sharded = _checkpoints.Sharded(TestCheckpoints.SmallTensors(), maxShardBytes: 512);

        CliRun run = CliRun.Of("verify", sharded.IndexPath, "--json");

        Assert.Equal(0, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        Assert.True(json.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal(4, json.RootElement.GetProperty("tensors").GetInt32());
        Assert.Equal(664, json.RootElement.GetProperty("bytes").GetInt64());
        Assert.Equal([512L, 152L], json.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("bytes").GetInt64()));
        Assert.DoesNotContain('\r', run.Stderr);
        Assert.Contains("verify: 2 files, 664 B of tensor data", run.Stderr);
        Assert.Contains("verify: [1/2] model-00001-of-00002.safetensors read; 512 B / 664 B (77.1%)", run.Stderr);
        Assert.Contains("verify: [2/2] model-00002-of-00002.safetensors read; 664 B / 664 B (100.0%)", run.Stderr);
    }

    [Fact]
    public void Text_output_names_the_checkpoint_and_totals()
    {
        string path = _checkpoints.Single(TestCheckpoints.SmallTensors());

        CliRun run = CliRun.Of("verify", path);

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("OK: " + path, run.Stdout);
        Assert.Contains("4 tensors, 664 bytes (664 B) in 1 file", run.Stdout);
    }

    [Fact]
    public void Terminal_progress_redraws_one_bar_in_place()
    {
        string path = _checkpoints.Single(TestCheckpoints.SmallTensors());

        CliRun run = CliRun.Of(["verify", path], terminal: true);

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("\r[", run.Stderr);
        Assert.Contains("[##############################] 100.0%  664 B / 664 B", run.Stderr);
        Assert.Contains("files 1/1", run.Stderr);
        Assert.EndsWith("\n", run.Stderr);
        Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Truncated_shard_fails_with_rule_and_file()
    {
        var sharded = _checkpoints.Sharded(TestCheckpoints.SmallTensors(), maxShardBytes: 512);
        string shard = sharded.ShardPaths[1];
        File.WriteAllBytes(shard, File.ReadAllBytes(shard)[..^4]);

        CliRun run = CliRun.Of("verify", sharded.IndexPath, "--json");

        Assert.Equal(1, run.ExitCode);
        Error error = Error.Of(run);
        Assert.Equal("FileLengthMismatch", error.Rule);
        Assert.Equal(shard, error.File);
        Assert.Contains("FileLengthMismatch", run.Stderr);
        Assert.Contains("file: " + shard, run.Stderr);
    }

    [Fact]
    public void Flipped_header_byte_fails_with_rule_file_and_key()
    {
        string path = _checkpoints.Single(TestCheckpoints.SmallTensors());
        byte[] bytes = File.ReadAllBytes(path);
        int headerLength = (int)BitConverter.ToInt64(bytes, 0);
        string header = Encoding.UTF8.GetString(bytes, 8, headerLength);
        int dtype = header.IndexOf("\"I64\"", StringComparison.Ordinal);
        bytes[8 + dtype + 3] ^= 0x01; // "I64" -> "I65"
        File.WriteAllBytes(path, bytes);

        CliRun run = CliRun.Of("verify", path, "--json");

        Assert.Equal(1, run.ExitCode);
        Error error = Error.Of(run);
        Assert.Equal("UnknownDType", error.Rule);
        Assert.Equal(path, error.File);
        Assert.Equal("step", error.Key);
        Assert.Contains("key:  step", run.Stderr);
    }

    [Fact]
    public void Flipped_header_structure_byte_fails_as_invalid_json()
    {
        string path = _checkpoints.Single(TestCheckpoints.SmallTensors());
        byte[] bytes = File.ReadAllBytes(path);
        bytes[8] = (byte)'[';
        File.WriteAllBytes(path, bytes);

        CliRun run = CliRun.Of("verify", path);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("error: InvalidJson", run.Stderr);
    }

    [Fact]
    public void Missing_shard_fails_with_rule_and_the_absent_file()
    {
        var sharded = _checkpoints.Sharded(TestCheckpoints.SmallTensors(), maxShardBytes: 512);
        File.Delete(sharded.ShardPaths[0]);

        CliRun run = CliRun.Of("verify", Path.GetDirectoryName(sharded.IndexPath)!, "--json");

        Assert.Equal(1, run.ExitCode);
        Error error = Error.Of(run);
        Assert.Equal("ShardFileMissing", error.Rule);
        Assert.Contains("model-00001-of-00002.safetensors", error.File + error.Detail);
    }

    [Fact]
    public void Reads_every_byte_so_a_file_that_shrinks_after_opening_fails_at_the_key_it_reaches()
    {
        string path = _checkpoints.Single(TestCheckpoints.SmallTensors());
        using SafeTensorsCheckpoint checkpoint = SafeTensorsCheckpoint.Open(path);
        SafeTensorsEntry last = checkpoint.Entries.MaxBy(e => e.FileOffset)!;
        using (var shrink = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
            shrink.SetLength(last.FileOffset + 1);

        var e = Assert.Throws<SafeTensorsFormatException>(() => CheckpointVerifier.Verify(checkpoint, new RecordingProgress(), chunkBytes: 3));

        Assert.Equal(SafeTensorsRule.UnexpectedEndOfFile, e.Rule);
        Assert.Equal(last.Name, e.Key);
    }

    [Fact]
    public void Reads_in_bounded_chunks_and_reports_cumulative_progress()
    {
        string path = _checkpoints.Single(TestCheckpoints.SmallTensors());
        using SafeTensorsCheckpoint checkpoint = SafeTensorsCheckpoint.Open(path);
        var progress = new RecordingProgress();

        VerifyResult result = CheckpointVerifier.Verify(checkpoint, progress, chunkBytes: 100);

        Assert.Equal(664, result.Bytes);
        Assert.Equal(4, result.Tensors);
        // 512 bytes in chunks of 100 (6 reads), then 128 (2), 16 (1), 8 (1).
        Assert.Equal(10, progress.Advances.Count);
        Assert.Equal(progress.Advances.Order(), progress.Advances);
        Assert.Equal(664, progress.Advances[^1]);
        Assert.Equal(664, progress.FinishedAt);
    }

    private sealed record Error(string? Rule, string? File, string? Key, string? Detail)
    {
        public static Error Of(CliRun run)
        {
            using JsonDocument json = JsonDocument.Parse(run.Stdout);
            Assert.False(json.RootElement.GetProperty("ok").GetBoolean());
            JsonElement e = json.RootElement.GetProperty("error");
            return new Error(e.GetProperty("rule").GetString(), e.GetProperty("file").GetString(), e.GetProperty("key").GetString(), e.GetProperty("detail").GetString());
        }
    }

    private sealed class RecordingProgress : IVerifyProgress
    {
        public List<long> Advances { get; } = [];

        public long FinishedAt { get; private set; } = -1;

        public void Started(long totalBytes, int fileCount) { }

        public void Advanced(long bytesDone) => Advances.Add(bytesDone);

        public void FileCompleted(int fileNumber, string fileName, long bytesDone) { }

        public void Finished(long bytesDone) => FinishedAt = bytesDone;
    }
}
