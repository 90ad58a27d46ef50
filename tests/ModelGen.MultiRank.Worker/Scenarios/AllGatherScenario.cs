using ModelGen.Distributed;
using TorchSharp;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// Every rank gathers every rank's block and compares the result with the blocks computed from the formula.
/// Options: dtype, count (elements per rank), columns, layout (contiguous or transposed, for input and output),
/// chunk (largest bytes per MPI call).
/// </summary>
internal static class AllGatherScenario
{
    public static int Run(IProcessGroup group, Report report, WorkerOptions options)
    {
        torch.ScalarType dtype = CollectiveInputs.DType(options.Text("dtype", "float32"));
        long count = options.Long("count", 1200);
        long columns = options.Long("columns", 4);
        string layout = options.Text("layout", "contiguous");
        int chunk = CollectiveInputs.ApplyChunk(group, options);

        using torch.Tensor mine = CollectiveInputs.Values(group.Rank, 0, count);
        using torch.Tensor input = CollectiveInputs.Laid(mine, dtype, layout, columns);
        using torch.Tensor output = CollectiveInputs.Empty(count * group.Size, dtype, layout, columns);
        group.AllGather(input, output);

        var blocks = Enumerable.Range(0, group.Size).Select(r => CollectiveInputs.Values(r, 0, count)).ToArray();
        using torch.Tensor expected = torch.cat(blocks, 0).to(dtype);
        foreach (torch.Tensor block in blocks) block.Dispose();
        report.Event("all-gather", ("dtype", dtype), ("layout", layout), ("contiguous", input.is_contiguous()),
            ("chunk", chunk), ("equal", CollectiveInputs.Compare(output, expected)));
        return 0;
    }
}
