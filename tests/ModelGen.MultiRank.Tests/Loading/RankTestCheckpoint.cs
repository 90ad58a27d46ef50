using System.Security.Cryptography;
using ModelGen.MultiRank.Worker.Loading;
using ModelGen.SafeTensors;
using TorchSharp;

namespace ModelGen.MultiRank.Tests.Loading;

/// <summary>
/// A sharded checkpoint for <see cref="RankTestModel"/> written from a model built on the CPU, without the keys the
/// loader must not read: the tied head, the computed buffer, and the projection left out on purpose.
/// </summary>
internal sealed class RankTestCheckpoint : IDisposable
{
    public static readonly string[] LeftOut = ["extra.weight", "head.weight", "frequencies"];

    /// <param name="alter">Replaces a tensor by key before it is written.</param>
    /// <param name="drop">Leaves out further keys, as a checkpoint of a smaller model would.</param>
    /// <param name="headCopy">Writes a <c>head.weight</c> of its own, made from the embedding, beside the one it is tied to.</param>
    public RankTestCheckpoint(Func<string, torch.Tensor, torch.Tensor>? alter = null, Func<string, bool>? drop = null, Func<torch.Tensor, torch.Tensor>? headCopy = null)
    {
        Directory.CreateDirectory(Folder);
        torch.manual_seed(7);
        using var model = new RankTestModel();
        var tensors = model.state_dict()
            .Where(p => !LeftOut.Contains(p.Key) && drop?.Invoke(p.Key) != true)
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => new KeyValuePair<string, torch.Tensor>(p.Key, alter?.Invoke(p.Key, p.Value) ?? p.Value.detach()))
            .ToList();
        Dropped = model.state_dict().Keys.Where(k => !LeftOut.Contains(k) && drop?.Invoke(k) == true).Order(StringComparer.Ordinal).ToArray();
        if (headCopy is not null)
            tensors.Add(new KeyValuePair<string, torch.Tensor>("head.weight", headCopy(tensors.Single(p => p.Key == "embed.weight").Value)));
        Written = SafeTensorsShardedWriter.Write(Folder, tensors, maxShardBytes: 16 << 10);
        Digests = tensors.ToDictionary(p => p.Key, p => Digest(p.Value), StringComparer.Ordinal);
        LoadedBytes = tensors.Sum(p => p.Value.numel() * p.Value.element_size());
        using torch.Tensor frequencies = model.ComputeFrequencies(torch.CPU);
        FrequenciesDigest = Digest(frequencies);
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "modelgen-rank-load-" + Guid.NewGuid().ToString("N"));

    public SafeTensorsShardedWriteResult Written { get; }

    /// <summary>The keys <c>drop</c> left out, in ordinal order.</summary>
    public IReadOnlyList<string> Dropped { get; }

    /// <summary>SHA-256 of every written tensor's bytes, by key.</summary>
    public IReadOnlyDictionary<string, string> Digests { get; }

    public string FrequenciesDigest { get; }

    /// <summary>Bytes of every written tensor: what a load reads (or maps) from the checkpoint.</summary>
    public long LoadedBytes { get; }

    /// <summary>Cuts the last 16 bytes off the last shard file, as an interrupted copy would; returns its path.</summary>
    public string CutLastShard()
    {
        string shard = Written.ShardPaths[^1];
        byte[] bytes = File.ReadAllBytes(shard);
        File.WriteAllBytes(shard, bytes[..^16]);
        return shard;
    }

    public static string Digest(torch.Tensor tensor)
    {
        using torch.Tensor contiguous = tensor.detach().contiguous();
        return Convert.ToHexString(SHA256.HashData(contiguous.bytes));
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
    }
}
