using System.Globalization;
using ModelGen.Mapping;
using ModelGen.SafeTensors;
using TorchSharp;

namespace ModelGen.Examples.Checkpoints;

/// <summary>
/// Writes a real-shaped checkpoint with seeded random weights for a model built on the meta device: the model's
/// own key table says which tensors to write and their shapes, so the checkpoint matches the model by
/// construction. Tied keys and computed buffers are left out, as Hugging Face exporters do.
/// </summary>
public static class RandomCheckpointWriter
{
    /// <summary>Standard deviation of the random weights (Hugging Face's default <c>initializer_range</c>).</summary>
    public const double WeightStd = 0.02;

    /// <summary>
    /// Writes <c>config.json</c> and sharded safetensors with an index into <paramref name="folder"/>. Norm weights
    /// (keys ending in <c>norm.weight</c>) are ones; every other tensor is normal(0, <see cref="WeightStd"/>) from one
    /// generator seeded with <paramref name="seed"/>, in key-table order, so the same arguments give the same bytes.
    /// </summary>
    /// <param name="folder">Destination; created when missing.</param>
    /// <param name="metaModel">The model the checkpoint is for, built on the meta device (only shapes are read).</param>
    /// <param name="configJson">The text of <c>config.json</c>.</param>
    /// <param name="dtype">Element type of the stored tensors.</param>
    /// <param name="seed">Seed of the random generator.</param>
    /// <param name="maxShardBytes">Largest amount of tensor data per shard.</param>
    /// <param name="log">Receives progress lines.</param>
    /// <returns>The files written.</returns>
    public static SafeTensorsShardedWriteResult Write(
        CheckpointFolder folder, IShardedModel metaModel, string configJson, torch.ScalarType dtype, long seed, long maxShardBytes, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(metaModel);
        ArgumentNullException.ThrowIfNull(configJson);
        ArgumentNullException.ThrowIfNull(log);

        TensorSlot[] stored = metaModel.GetTensorSlots().Where(s => s.TiedTo is null && !s.Computed).ToArray();
        long totalBytes = stored.Sum(s => s.Get()!.numel() * CheckpointDTypes.ElementSize(dtype));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Writing a random checkpoint to {folder.Path}: {stored.Length} tensors, {totalBytes / (double)(1 << 20):F1} MiB {CheckpointDTypes.HuggingFaceName(dtype)}, seed {seed}"));

        Directory.CreateDirectory(folder.Path);
        var tensors = new List<KeyValuePair<string, torch.Tensor>>(stored.Length);
        try
        {
            using (torch.no_grad())
            {
                var generator = new torch.Generator((ulong)seed, torch.CPU);
                long done = 0;
                int reportedPercent = -1;
                foreach (TensorSlot slot in stored)
                {
                    long[] shape = slot.Get()!.shape;
                    tensors.Add(new(slot.Key, Generate(slot.Key, shape, dtype, generator)));
                    done += tensors[^1].Value.numel() * CheckpointDTypes.ElementSize(dtype);
                    int percent = (int)(100 * done / Math.Max(1, totalBytes));
                    if (percent / 10 != reportedPercent / 10)
                    {
                        reportedPercent = percent;
                        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  generated {percent,3}% ({done >> 20} MiB)"));
                    }
                }
            }

            log.WriteLine("  writing shards...");
            SafeTensorsShardedWriteResult result = SafeTensorsShardedWriter.Write(folder.Path, tensors, maxShardBytes);
            // The config goes last: a folder with a config but no index is reported as incomplete, never loaded.
            File.WriteAllText(folder.ConfigPath, configJson);
            foreach (string shard in result.ShardPaths)
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  wrote {Path.GetFileName(shard)} ({new FileInfo(shard).Length >> 20} MiB)"));
            log.WriteLine($"  wrote {Path.GetFileName(result.IndexPath)} and {CheckpointFolder.ConfigFileName}");
            return result;
        }
        finally
        {
            foreach (var (_, tensor) in tensors) tensor.Dispose();
        }
    }

    private static torch.Tensor Generate(string key, long[] shape, torch.ScalarType dtype, torch.Generator generator)
    {
        if (key.EndsWith("norm.weight", StringComparison.Ordinal))
            return torch.ones(shape, dtype);
        torch.Tensor values = torch.randn(shape, dtype: torch.ScalarType.Float32, generator: generator);
        values.mul_(WeightStd);
        if (dtype == torch.ScalarType.Float32) return values;
        torch.Tensor converted = values.to_type(dtype);
        values.Dispose();
        return converted;
    }
}
