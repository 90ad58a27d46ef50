using ModelGen.Distributed;
using TorchSharp;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// Every rank passes Size blocks of the formula's values and compares what it receives with the sum (or average) of
/// every rank's block of its own rank. Options: dtype, op, count (elements per block), columns, layout, chunk.
/// </summary>
internal static class ReduceScatterScenario
{
    public static int Run(IProcessGroup group, Report report, WorkerOptions options)
    {
        torch.ScalarType dtype = CollectiveInputs.DType(options.Text("dtype", "float32"));
        ReduceOp op = Enum.Parse<ReduceOp>(options.Text("op", "sum"), ignoreCase: true);
        long count = options.Long("count", 1200);
        long columns = options.Long("columns", 4);
        string layout = options.Text("layout", "contiguous");
        int chunk = CollectiveInputs.ApplyChunk(group, options);

        using torch.Tensor mine = CollectiveInputs.Values(group.Rank, 0, count * group.Size);
        using torch.Tensor input = CollectiveInputs.Laid(mine, dtype, layout, columns);
        using torch.Tensor output = CollectiveInputs.Empty(count, dtype, layout, columns);
        group.ReduceScatter(input, output, op);

        double[] expected = new double[count];
        for (long k = 0; k < count; k++)
        {
            double sum = Enumerable.Range(0, group.Size).Sum(r => CollectiveInputs.Value(r, group.Rank * count + k));
            expected[k] = op == ReduceOp.Average ? (float)sum / group.Size : sum;
        }
        using torch.Tensor wanted = torch.tensor(expected, dtype: torch.float64).to(dtype);
        report.Event("reduce-scatter", ("dtype", dtype), ("op", op), ("layout", layout), ("contiguous", input.is_contiguous()),
            ("chunk", chunk), ("equal", CollectiveInputs.Compare(output, wanted)));
        return 0;
    }
}
