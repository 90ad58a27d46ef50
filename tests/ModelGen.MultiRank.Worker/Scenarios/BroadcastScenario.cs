using System.Security.Cryptography;
using ModelGen.Distributed;
using ModelGen.Distributed.Mpi;
using TorchSharp;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// The root fills a tensor from a fixed seed, the others hold zeros; after the broadcast every rank compares its
/// tensor with the seed's values and reports a digest of the bytes.
/// Options: bytes (total size), dtype (uint8 or float32), root, chunk (largest bytes per MPI call), compare
/// (full or digest).
/// </summary>
internal static class BroadcastScenario
{
    private const long Seed = 20261125;

    public static int Run(IProcessGroup group, Report report, WorkerOptions options)
    {
        long bytes = options.Long("bytes", 64L << 20);
        int root = options.Int("root", 0);
        string dtype = options.Text("dtype", "uint8");
        int chunk = options.Int("chunk", 0);
        if (chunk > 0)
            ((MpiProcessGroup)group).MaxChunkBytes = chunk;

        using torch.Tensor tensor = group.Rank == root ? Expected(dtype, bytes) : Zeros(dtype, bytes);
        bool equalBefore = group.Rank == root;
        group.Broadcast(tensor, root);

        // "compare=digest" skips regenerating the expected tensor (for sizes where a second copy per rank is too
        // much memory); the digests of all ranks are then compared with the root's.
        bool compare = options.Text("compare", "full") == "full";
        using torch.Tensor? expected = compare ? Expected(dtype, bytes) : null;
        report.Event("broadcast",
            ("bytes", tensor.numel() * tensor.ElementSize), ("dtype", dtype), ("root", root), ("chunk", chunk),
            ("equalBefore", equalBefore), ("equal", expected is null ? "skipped" : BytesEqual(tensor, expected)),
            ("sha256", Digest(tensor)));
        return 0;
    }

    /// <summary>The tensor's bytes in pieces below Tensor.bytes's 2 GiB limit.</summary>
    private static IEnumerable<torch.Tensor> Pieces(torch.Tensor tensor)
    {
        using var flat = tensor.view(-1);
        long perPiece = (1L << 30) / tensor.ElementSize;
        for (long start = 0; start < flat.shape[0]; start += perPiece)
        {
            using var piece = flat.narrow(0, start, Math.Min(perPiece, flat.shape[0] - start));
            yield return piece;
        }
    }

    private static torch.Tensor Expected(string dtype, long bytes)
    {
        using var generator = new torch.Generator((ulong)Seed);
        return dtype switch
        {
            "uint8" => torch.randint(0, 256, [bytes], dtype: torch.uint8, generator: generator),
            "float32" => torch.randn([bytes / sizeof(float)], dtype: torch.float32, generator: generator),
            _ => throw new ArgumentException($"unsupported dtype {dtype}"),
        };
    }

    private static torch.Tensor Zeros(string dtype, long bytes) => dtype switch
    {
        "uint8" => torch.zeros([bytes], dtype: torch.uint8),
        "float32" => torch.zeros([bytes / sizeof(float)], dtype: torch.float32),
        _ => throw new ArgumentException($"unsupported dtype {dtype}"),
    };

    private static bool BytesEqual(torch.Tensor actual, torch.Tensor expected) =>
        Pieces(actual).Zip(Pieces(expected)).All(pair => pair.First.bytes.SequenceEqual(pair.Second.bytes));

    private static string Digest(torch.Tensor tensor)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (torch.Tensor piece in Pieces(tensor))
            hash.AppendData(piece.bytes);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
