using System.Globalization;
using System.Text;
using ModelGen.Mapping;
using ModelGen.SafeTensors;
using ModelGen.Sharding;
using TorchSharp;

namespace ModelGen.Saving;

/// <summary>One tensor to write: its key and global layout, and what this rank holds of it.</summary>
/// <param name="Layout">Key, dtype, global shape and byte length, as the file header records them.</param>
/// <param name="Local">This rank's tensor: the whole tensor, or this rank's rows when <paramref name="Sharded"/> is set.</param>
/// <param name="Sharded">The rows every rank holds, or <see langword="null"/> when every rank holds the whole tensor.</param>
internal sealed record SaveEntry(SafeTensorsLayoutEntry Layout, torch.Tensor Local, ShardedSlot? Sharded)
{
    public string Key => Layout.Name;
}

/// <summary>One shard file to write: its final name and its tensors in file order.</summary>
internal sealed record SaveFile(string FileName, IReadOnlyList<SaveEntry> Entries)
{
    public long DataBytes => Entries.Sum(e => e.Layout.ByteLength);
}

/// <summary>
/// What a save writes, built by every rank from its own model: the written keys (tied aliases and computed buffers
/// left out), their global shapes and dtypes, and the shard files they fall into. Every rank must build the same plan;
/// <see cref="Signature"/> lets the ranks check that they did.
/// </summary>
internal sealed class SavePlan
{
    private SavePlan(IReadOnlyList<SaveFile> files, IReadOnlyList<string> tied, IReadOnlyList<string> computed)
    {
        Files = files;
        // The plan never changes once built: totals are taken once, not on every progress report.
        Entries = files.SelectMany(f => f.Entries).ToArray();
        TotalBytes = files.Sum(f => f.DataBytes);
        LargestShardedBytes = Entries.Where(e => e.Sharded is not null).Select(e => e.Layout.ByteLength).DefaultIfEmpty(0).Max();
        Tied = tied;
        Computed = computed;
    }

    public IReadOnlyList<SaveFile> Files { get; }

    public IReadOnlyList<string> Tied { get; }

    public IReadOnlyList<string> Computed { get; }

    public IReadOnlyList<SaveEntry> Entries { get; }

    public long TotalBytes { get; }

    /// <summary>The largest sharded tensor, in bytes: a gather window larger than this is never needed.</summary>
    public long LargestShardedBytes { get; }

    /// <exception cref="InvalidOperationException">A slot has no tensor, a meta tensor, a dtype the format cannot store, or rows that are not this rank's chunk.</exception>
    public static SavePlan Build(string modelName, IReadOnlyList<TensorSlot> slots, ModelSharding? sharding, int rank, int ranks, long maxShardBytes)
    {
        var entries = new List<SaveEntry>();
        var tied = new List<string>();
        var computed = new List<string>();
        foreach (TensorSlot slot in slots)
        {
            if (slot.Computed)
                computed.Add(slot.Key);
            else if (slot.TiedTo is not null || sharding?.TiedTo.ContainsKey(slot.Key) == true)
                tied.Add(slot.Key);
            else
                entries.Add(Entry(modelName, slot, sharding?.Find(slot.Key), rank, ranks));
        }
        return new SavePlan(Pack(entries, maxShardBytes), tied, computed);
    }

    /// <summary>A 62-bit positive digest of the keys, dtypes, shapes, placement and files: equal on every rank that planned alike.</summary>
    public long Signature()
    {
        var text = new StringBuilder();
        foreach (SaveFile file in Files)
        {
            text.Append(file.FileName).Append('\n');
            foreach (SaveEntry entry in file.Entries)
                text.Append(entry.Key).Append('|').Append(entry.Layout.DType.Name()).Append('|')
                    .AppendJoin(',', entry.Layout.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture)))
                    .Append('|').Append(entry.Sharded is null ? 'R' : 'S').Append('\n');
        }
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(text.ToString()))
            hash = (hash ^ b) * 1099511628211UL;
        return (long)(hash >> 2) + 1;
    }

    private static SaveEntry Entry(string modelName, TensorSlot slot, ShardedSlot? sharded, int rank, int ranks)
    {
        torch.Tensor local = slot.Get()
            ?? throw new InvalidOperationException($"{modelName}: '{slot.Key}' holds no tensor on rank {rank}, so there is nothing to save under this key.");
        if (local.is_meta)
            throw new InvalidOperationException($"{modelName}: '{slot.Key}' is still a meta placeholder on rank {rank} (load or initialize the model before saving).");
        torch.ScalarType scalarType = sharded?.DType ?? local.dtype;
        if (!SafeTensorsDTypes.TryFromScalarType(scalarType, out SafeTensorsDType dtype))
            throw new InvalidOperationException($"{modelName}: '{slot.Key}' has element type {scalarType}, which safetensors cannot store.");
        if (sharded is null)
            return new SaveEntry(new SafeTensorsLayoutEntry(slot.Key, dtype, local.shape, checked(local.numel() * local.element_size())), local, null);

        CheckRows(modelName, slot.Key, sharded, local, rank, ranks);
        long bytes = checked(Rows(sharded.GlobalShape) * sharded.RowBytes);
        return new SaveEntry(new SafeTensorsLayoutEntry(slot.Key, dtype, sharded.GlobalShape, bytes), local, sharded);
    }

    /// <summary>Dim 0 of a shape; a 0-dimensional tensor counts as one row.</summary>
    public static long Rows(long[] shape) => shape.Length == 0 ? 1 : shape[0];

    private static void CheckRows(string modelName, string key, ShardedSlot sharded, torch.Tensor local, int rank, int ranks)
    {
        (long start, long count) = ShardMath.RowsOf(Rows(sharded.GlobalShape), ranks, rank);
        if (sharded.RowStart != start || sharded.RowCount != count)
            throw new InvalidOperationException(
                $"{modelName}: '{key}' on rank {rank} of {ranks} holds rows [{sharded.RowStart}, {sharded.RowStart + sharded.RowCount}), not its torch.chunk rows [{start}, {start + count}).");
        long[] expected = sharded.GlobalShape.Length == 0 ? [] : [count, .. sharded.GlobalShape.Skip(1)];
        if (local.dtype != sharded.DType || local.numel() * local.element_size() != count * sharded.RowBytes)
            throw new InvalidOperationException(
                $"{modelName}: '{key}' on rank {rank} is {local.dtype} [{string.Join(", ", local.shape)}], but its shard is {sharded.DType} [{string.Join(", ", expected)}].");
    }

    /// <summary>Fills shards in slot order; a tensor that would push a non-empty shard past the limit starts the next one.</summary>
    private static List<SaveFile> Pack(List<SaveEntry> entries, long maxShardBytes)
    {
        var groups = new List<List<SaveEntry>> { new() };
        long current = 0;
        foreach (SaveEntry entry in entries)
        {
            if (current > 0 && current + entry.Layout.ByteLength > maxShardBytes)
            {
                groups.Add([]);
                current = 0;
            }
            groups[^1].Add(entry);
            current += entry.Layout.ByteLength;
        }
        return groups.Select((g, i) => new SaveFile(SaveFolder.ShardName(i + 1, groups.Count), g)).ToList();
    }
}
