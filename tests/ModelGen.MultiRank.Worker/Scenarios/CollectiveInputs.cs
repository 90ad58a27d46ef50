using ModelGen.Distributed;
using ModelGen.Distributed.Mpi;
using TorchSharp;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// What the tensor-collective scenarios share: the values each rank contributes (small integers, exact in every
/// float type once summed), tensors laid out contiguously or transposed (non-contiguous), and the piece size.
/// </summary>
internal static class CollectiveInputs
{
    /// <summary>Rank <paramref name="rank"/>'s value at flat index <paramref name="index"/>.</summary>
    public static double Value(int rank, long index) => (rank + 1) * (index % 7 + 1);

    /// <summary>The values of one rank as a float64 tensor of <paramref name="count"/> elements, from flat index <paramref name="first"/>.</summary>
    public static torch.Tensor Values(int rank, long first, long count)
    {
        var values = new double[count];
        for (long i = 0; i < count; i++) values[i] = Value(rank, first + i);
        return torch.tensor(values, dtype: torch.float64);
    }

    public static torch.ScalarType DType(string name) => name switch
    {
        "float32" => torch.float32,
        "float64" => torch.float64,
        "bfloat16" => torch.bfloat16,
        "float16" => torch.float16,
        "uint8" => torch.uint8,
        "int64" => torch.int64,
        _ => throw new ArgumentException($"unsupported dtype {name}"),
    };

    /// <summary>
    /// A [count / columns, columns] tensor of <paramref name="dtype"/> holding <paramref name="values"/> in row-major
    /// order: contiguous, or ("transposed") the transpose of a [columns, rows] tensor, so that its rows are strided.
    /// </summary>
    public static torch.Tensor Laid(torch.Tensor values, torch.ScalarType dtype, string layout, long columns)
    {
        long rows = values.numel() / columns;
        torch.Tensor tensor = layout == "transposed"
            ? torch.empty([columns, rows], dtype).t()
            : torch.empty([rows, columns], dtype);
        using torch.Tensor shaped = values.reshape(rows, columns);
        tensor.copy_(shaped);
        return tensor;
    }

    /// <summary>An empty tensor of the same layouts, for outputs.</summary>
    public static torch.Tensor Empty(long count, torch.ScalarType dtype, string layout, long columns)
    {
        long rows = count / columns;
        return layout == "transposed" ? torch.empty([columns, rows], dtype).t() : torch.empty([rows, columns], dtype);
    }

    /// <summary>Sets the largest bytes per MPI call ("chunk=N"), to split small transfers the way large ones are.</summary>
    public static int ApplyChunk(IProcessGroup group, WorkerOptions options)
    {
        int chunk = options.Int("chunk", 0);
        if (chunk > 0 && group is MpiProcessGroup mpi)
            mpi.MaxChunkBytes = chunk;
        return chunk;
    }

    /// <summary>"True" when equal, otherwise the first differing flat index with both values.</summary>
    public static string Compare(torch.Tensor actual, torch.Tensor expected)
    {
        using torch.Tensor a = actual.to(torch.float64).reshape(-1);
        using torch.Tensor e = expected.to(torch.float64).reshape(-1);
        if (a.numel() != e.numel()) return $"count-{a.numel()}-vs-{e.numel()}";
        double[] av = a.data<double>().ToArray(), ev = e.data<double>().ToArray();
        for (int i = 0; i < av.Length; i++)
        {
            if (av[i] != ev[i])
                return FormattableString.Invariant($"index-{i}:{av[i]}-expected-{ev[i]}");
        }
        return "True";
    }
}
