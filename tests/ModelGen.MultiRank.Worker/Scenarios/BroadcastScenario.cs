using System.Security.Cryptography;
using ModelGen.Distributed;
using ModelGen.Distributed.Mpi;
using TorchSharp;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// The root fills a tensor from a fixed seed, the others hold zeros; after the broadcast every rank compares its
/// tensor with the seed's values and reports a digest of the bytes.
/// Options: bytes (total size), dtype (uint8 or float32), root, chunk (largest bytes per MPI call).
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

        using torch.Tensor expected = Expected(dtype, bytes);
        report.Event("broadcast",
            ("bytes", tensor.numel() * tensor.ElementSize), ("dtype", dtype), ("root", root), ("chunk", chunk),
            ("equalBefore", equalBefore), ("equal", BytesEqual(tensor, expected)), ("sha256", Digest(tensor)));
        return 0;
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
        actual.bytes.SequenceEqual(expected.bytes);

    private static string Digest(torch.Tensor tensor) =>
        Convert.ToHexStringLower(SHA256.HashData(tensor.bytes));
}
