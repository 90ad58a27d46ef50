using ModelGen.Distributed;
using TorchSharp;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// Every rank reduces its values in place and compares them with the sum (or average) computed from the formula.
/// Elements 0 to Size - 1 are a precision probe: rank i holds 256 at element i and 0.75 elsewhere, so the exact
/// sum is 256 + 0.75 (Size - 1); summing in bfloat16 (8-bit mantissa) loses the 0.75 whenever it is added to 256
/// alone, in whatever order MPI adds, while summing in float32 keeps it.
/// Options: dtype, op (sum or average), count, columns, layout, chunk.
/// </summary>
internal static class AllReduceScenario
{
    public static int Run(IProcessGroup group, Report report, WorkerOptions options)
    {
        torch.ScalarType dtype = CollectiveInputs.DType(options.Text("dtype", "float32"));
        ReduceOp op = Enum.Parse<ReduceOp>(options.Text("op", "sum"), ignoreCase: true);
        long count = options.Long("count", 1200);
        long columns = options.Long("columns", 4);
        string layout = options.Text("layout", "contiguous");
        int chunk = CollectiveInputs.ApplyChunk(group, options);

        using torch.Tensor mine = WithProbe(CollectiveInputs.Values(group.Rank, 0, count), group.Rank, group.Size);
        using torch.Tensor tensor = CollectiveInputs.Laid(mine, dtype, layout, columns);
        bool contiguous = tensor.is_contiguous();
        group.AllReduce(tensor, op);

        // The sums are exact in float64 and in float32; the average divides the float32 sum, as the group does.
        using torch.Tensor sum = Enumerable.Range(0, group.Size)
            .Select(r => WithProbe(CollectiveInputs.Values(r, 0, count), r, group.Size))
            .Aggregate((a, b) => { torch.Tensor s = a + b; a.Dispose(); b.Dispose(); return s; });
        using torch.Tensor inFloat32 = sum.to(dtype == torch.float64 ? torch.float64 : torch.float32);
        using torch.Tensor reduced = op == ReduceOp.Average ? inFloat32 / group.Size : inFloat32.clone();
        using torch.Tensor expected = reduced.to(dtype);
        report.Event("all-reduce", ("dtype", dtype), ("op", op), ("layout", layout), ("contiguous", contiguous),
            ("chunk", chunk), ("probe", tensor.reshape(-1)[0].to(torch.float64).item<double>()),
            ("equal", CollectiveInputs.Compare(tensor, expected)));
        return 0;
    }

    private static torch.Tensor WithProbe(torch.Tensor values, int rank, int size)
    {
        for (int i = 0; i < size && i < values.numel(); i++)
            values[i] = i == rank ? 256.0 : 0.75;
        return values;
    }
}
