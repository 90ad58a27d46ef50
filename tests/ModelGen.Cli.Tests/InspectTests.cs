using System.Text.Json;

namespace ModelGen.Cli.Tests;

public sealed class InspectTests : IDisposable
{
    private readonly TestCheckpoints _checkpoints = new();

    public void Dispose() => _checkpoints.Dispose();

    [Fact]
    public void Table_lists_every_tensor_sorted_by_key_with_aligned_columns_and_totals()
    {
        string path = _checkpoints.Single(TestCheckpoints.SmallTensors());

        CliRun run = CliRun.Of("inspect", path);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Stderr);
        string[] lines = run.Stdout.Split('\n');
        int header = Array.FindIndex(lines, l => l.StartsWith("KEY", StringComparison.Ordinal));
        Assert.Equal("KEY                   DTYPE  SHAPE    BYTES  FILE", lines[header]);
        Assert.Equal("embed.weight          F32    [16, 8]    512  model.safetensors", lines[header + 1]);
        Assert.Equal("layers.0.proj.bias    BF16   [8]         16  model.safetensors", lines[header + 2]);
        Assert.Equal("layers.0.proj.weight  BF16   [8, 8]     128  model.safetensors", lines[header + 3]);
        Assert.Equal("step                  I64    []           8  model.safetensors", lines[header + 4]);
        Assert.Contains("BF16         2    144  144 B", run.Stdout);
        Assert.Contains("F32          1    512  512 B", run.Stdout);
        Assert.Contains("I64          1      8    8 B", run.Stdout);
        Assert.Contains("Total: 4 tensors, 664 bytes (664 B) in 1 file", run.Stdout);
    }

    [Fact]
    public void Json_describes_tensors_files_and_per_dtype_totals_of_a_sharded_checkpoint()
    {
        var result = _checkpoints.Sharded(TestCheckpoints.SmallTensors(), maxShardBytes: 512);

        CliRun run = CliRun.Of("inspect", Path.GetDirectoryName(result.IndexPath)!, "--json");

        Assert.Equal(0, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        JsonElement root = json.RootElement;
        Assert.True(root.GetProperty("ok").GetBoolean());
        Assert.Equal("model.safetensors.index.json", root.GetProperty("index").GetString());
        JsonElement tensors = root.GetProperty("tensors");
        Assert.Equal(["embed.weight", "layers.0.proj.bias", "layers.0.proj.weight", "step"], tensors.EnumerateArray().Select(t => t.GetProperty("key").GetString()!));
        JsonElement weight = tensors[2];
        Assert.Equal("BF16", weight.GetProperty("dtype").GetString());
        Assert.Equal([8L, 8L], weight.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        Assert.Equal(128, weight.GetProperty("bytes").GetInt64());
        Assert.Equal("model-00002-of-00002.safetensors", weight.GetProperty("file").GetString());
        Assert.Equal("model-00001-of-00002.safetensors", tensors[0].GetProperty("file").GetString());
        Assert.Empty(tensors[3].GetProperty("shape").EnumerateArray());

        JsonElement totals = root.GetProperty("totals");
        Assert.Equal(4, totals.GetProperty("tensors").GetInt32());
        Assert.Equal(664, totals.GetProperty("bytes").GetInt64());
        Assert.Equal(2, totals.GetProperty("files").GetInt32());
        Assert.Equal(2, totals.GetProperty("dtypes").GetProperty("BF16").GetProperty("tensors").GetInt32());
        Assert.Equal(144, totals.GetProperty("dtypes").GetProperty("BF16").GetProperty("bytes").GetInt64());
        Assert.Equal([1, 3], root.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("tensors").GetInt32()));
        Assert.Equal(664, root.GetProperty("declaredTotalSize").GetInt64());
    }

    [Fact]
    public void Invalid_checkpoint_fails_with_the_rule_and_file_on_stderr_and_as_json()
    {
        string path = _checkpoints.Single(TestCheckpoints.SmallTensors());
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^1]);

        CliRun text = CliRun.Of("inspect", path);
        CliRun json = CliRun.Of("inspect", path, "--json");

        Assert.Equal(1, text.ExitCode);
        Assert.Equal("", text.Stdout);
        Assert.Contains("modelgen inspect: error: FileLengthMismatch", text.Stderr);
        Assert.Contains("file: " + path, text.Stderr);
        Assert.Equal(1, json.ExitCode);
        using JsonDocument document = JsonDocument.Parse(json.Stdout);
        Assert.False(document.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal("FileLengthMismatch", document.RootElement.GetProperty("error").GetProperty("rule").GetString());
        Assert.Equal(path, document.RootElement.GetProperty("error").GetProperty("file").GetString());
    }

    [Fact]
    public void Keys_are_listed_in_natural_order_with_list_indices_compared_as_numbers()
    {
        string[] written = ["layers.10.w", "layers.2.w", "layers.1.w", "layers.0.w", "layers.11.w", "layers.2.b", "head.w"];
        string path = _checkpoints.Single(written.Select(k => new KeyValuePair<string, TorchSharp.torch.Tensor>(k, TorchSharp.torch.zeros(1))));
        string[] expected = ["head.w", "layers.0.w", "layers.1.w", "layers.2.b", "layers.2.w", "layers.10.w", "layers.11.w"];

        CliRun text = CliRun.Of("inspect", path);
        CliRun json = CliRun.Of("inspect", path, "--json");

        Assert.Equal(0, text.ExitCode);
        string[] lines = text.Stdout.Split('\n');
        int header = Array.FindIndex(lines, l => l.StartsWith("KEY", StringComparison.Ordinal));
        Assert.Equal(expected, lines[(header + 1)..(header + 1 + expected.Length)].Select(l => l.Split(' ')[0]));
        using JsonDocument document = JsonDocument.Parse(json.Stdout);
        Assert.Equal(expected, document.RootElement.GetProperty("tensors").EnumerateArray().Select(t => t.GetProperty("key").GetString()!));
    }

    [Fact]
    public void Missing_path_is_reported_as_file_not_found()
    {
        CliRun run = CliRun.Of("inspect", Path.Combine(_checkpoints.Folder, "absent.safetensors"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("FileNotFound", run.Stderr);
    }

    [Fact]
    public void Inspect_reads_headers_only()
    {
        // Zeroing every tensor byte changes nothing inspect reports: it never looks past the header.
        string path = _checkpoints.Single(TestCheckpoints.SmallTensors());
        string before = CliRun.Of("inspect", path, "--json").Stdout;
        byte[] bytes = File.ReadAllBytes(path);
        long dataStart = 8 + BitConverter.ToInt64(bytes, 0);
        Array.Clear(bytes, (int)dataStart, bytes.Length - (int)dataStart);
        File.WriteAllBytes(path, bytes);

        Assert.Equal(before, CliRun.Of("inspect", path, "--json").Stdout);
    }
}
