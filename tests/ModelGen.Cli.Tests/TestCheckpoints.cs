using ModelGen.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Cli.Tests;

/// <summary>A temporary folder holding checkpoints written by the runtime's writers; deleted on dispose.</summary>
public sealed class TestCheckpoints : IDisposable
{
    public TestCheckpoints()
    {
        Folder = Path.Combine(Path.GetTempPath(), "modelgen-cli-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    /// <summary>Tensors with known shapes, dtypes and distinct values.</summary>
    public static List<KeyValuePair<string, Tensor>> SmallTensors() =>
    [
        new("embed.weight", arange(0, 16 * 8, dtype: ScalarType.Float32).reshape(16, 8)),
        new("layers.0.proj.weight", ones(8, 8, dtype: ScalarType.BFloat16)),
        new("layers.0.proj.bias", zeros(8, dtype: ScalarType.BFloat16)),
        new("step", tensor(7L)),
    ];

    /// <summary>Writes a single-file checkpoint under <paramref name="name"/> and returns its path.</summary>
    public string Single(IEnumerable<KeyValuePair<string, Tensor>> tensors, string name = "model.safetensors")
    {
        string path = Path.Combine(Folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        SafeTensorsWriter.Write(path, tensors);
        return path;
    }

    /// <summary>Writes a sharded checkpoint into <paramref name="subfolder"/>, at most <paramref name="maxShardBytes"/> per shard.</summary>
    public SafeTensorsShardedWriteResult Sharded(IEnumerable<KeyValuePair<string, Tensor>> tensors, long maxShardBytes, string subfolder = "sharded") =>
        SafeTensorsShardedWriter.Write(Path.Combine(Folder, subfolder), tensors, maxShardBytes);

    /// <summary>Tensors with exactly the keys of <see cref="CheckTestModel"/> with two blocks, minus and plus the given keys.</summary>
    public static List<KeyValuePair<string, Tensor>> ModelTensors(IEnumerable<string>? without = null, IEnumerable<string>? with = null)
    {
        var keys = new List<string> { "embed.weight", "norm.weight" };
        for (int i = 0; i < 2; i++)
        {
            keys.Add($"layers.{i}.proj.weight");
            keys.Add($"layers.{i}.proj.bias");
        }
        var skip = new HashSet<string>(without ?? []);
        return keys.Where(k => !skip.Contains(k)).Concat(with ?? []).Select(k => new KeyValuePair<string, Tensor>(k, zeros(ModelShape(k)))).ToList();
    }

    /// <summary>
    /// The shape <see cref="CheckTestModel"/> gives a key of its patterns (so only the key names differ between the
    /// scenarios, and the build's shape check, which evaluates the model's literal sizes, finds nothing); [2, 2] for others.
    /// </summary>
    private static long[] ModelShape(string key)
    {
        string[] s = key.Split('.');
        return (s.Length >= 2 ? s[^2] : "", s[^1]) switch
        {
            ("embed" or "head", "weight") => [CheckTestModel.Vocab, CheckTestModel.Hidden],
            ("proj", "weight") => [CheckTestModel.Hidden, CheckTestModel.Hidden],
            ("proj", "bias") or ("norm", "weight") => [CheckTestModel.Hidden],
            (_, "frequencies") => [CheckTestModel.Hidden / 2],
            _ => [2, 2],
        };
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open on a failing test; the temp folder is cleaned by the system.
        }
    }
}
