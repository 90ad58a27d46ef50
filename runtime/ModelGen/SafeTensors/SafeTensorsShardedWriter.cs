using System.Text.Encodings.Web;
using System.Text.Json;
using TorchSharp;

namespace ModelGen.SafeTensors;

/// <summary>The files a sharded write produced.</summary>
/// <param name="IndexPath">Full path of the index (<c>model.safetensors.index.json</c>).</param>
/// <param name="ShardPaths">Full paths of the shard files, in order.</param>
/// <param name="TotalSize">Sum of the tensors' byte lengths, as recorded in the index's <c>total_size</c>.</param>
public sealed record SafeTensorsShardedWriteResult(string IndexPath, IReadOnlyList<string> ShardPaths, long TotalSize);

/// <summary>
/// Writes a multi-file checkpoint the way the Hugging Face Hub lays them out: <c>model-00001-of-0000N.safetensors</c>
/// shards plus <c>model.safetensors.index.json</c> (<c>{"metadata":{"total_size":...},"weight_map":{key:file}}</c>).
/// </summary>
public static class SafeTensorsShardedWriter
{
    /// <summary>The Hugging Face Hub's default shard size: 5 GB of tensor data.</summary>
    public const long DefaultMaxShardBytes = 5_000_000_000;

    /// <summary>
    /// Writes the tensors into shards of at most <paramref name="maxShardBytes"/> of tensor data each, filled in the
    /// order given (a tensor larger than the limit gets a shard of its own), then the index, whose
    /// <c>weight_map</c> is sorted by key. An index is written even when everything fits in one shard.
    /// </summary>
    /// <param name="directory">Folder to write into; created when missing.</param>
    /// <param name="tensors">Key and tensor pairs, in the order they are to be stored.</param>
    /// <param name="maxShardBytes">Largest amount of tensor data per shard; must be positive.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> written into every shard.</param>
    /// <param name="baseName">Stem of the file names (<c>model</c> gives <c>model-00001-of-00002.safetensors</c>).</param>
    public static SafeTensorsShardedWriteResult Write(
        string directory,
        IEnumerable<KeyValuePair<string, torch.Tensor>> tensors,
        long maxShardBytes = DefaultMaxShardBytes,
        IReadOnlyDictionary<string, string>? metadata = null,
        string baseName = "model")
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentException.ThrowIfNullOrEmpty(baseName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        List<PreparedTensor> prepared = SafeTensorsWriter.Prepare(tensors);

        List<List<PreparedTensor>> shards = Pack(prepared, maxShardBytes);
        string folder = Path.GetFullPath(directory);
        Directory.CreateDirectory(folder);

        var shardPaths = new List<string>(shards.Count);
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long total = 0;
        for (int i = 0; i < shards.Count; i++)
        {
            string fileName = $"{baseName}-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            string shardPath = Path.Combine(folder, fileName);
            SafeTensorsWriter.WriteFile(shardPath, shards[i], metadata);
            shardPaths.Add(shardPath);
            foreach (PreparedTensor tensor in shards[i])
            {
                weightMap.Add(tensor.Name, fileName);
                total += tensor.ByteLength;
            }
        }

        string indexPath = Path.Combine(folder, baseName + SafeTensorsCheckpoint.IndexSuffix);
        WriteIndex(indexPath, weightMap, total);
        return new SafeTensorsShardedWriteResult(indexPath, shardPaths, total);
    }

    private static List<List<PreparedTensor>> Pack(List<PreparedTensor> tensors, long maxShardBytes)
    {
        var shards = new List<List<PreparedTensor>> { new() };
        long current = 0;
        foreach (PreparedTensor tensor in tensors)
        {
            if (current > 0 && current + tensor.ByteLength > maxShardBytes)
            {
                shards.Add(new List<PreparedTensor>());
                current = 0;
            }
            shards[^1].Add(tensor);
            current += tensor.ByteLength;
        }
        return shards;
    }

    private static void WriteIndex(string indexPath, SortedDictionary<string, string> weightMap, long totalSize)
    {
        using var stream = new FileStream(indexPath, FileMode.Create, FileAccess.Write, FileShare.None);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        json.WriteStartObject("metadata");
        json.WriteNumber("total_size", totalSize);
        json.WriteEndObject();
        json.WriteStartObject("weight_map");
        foreach ((string key, string file) in weightMap)
            json.WriteString(key, file);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
