using System.Runtime.InteropServices;
using ModelGen.Distributed;
using TorchSharp;

namespace ModelGen.MultiRank.Tests.Distributed;

/// <summary>The tensor and part collectives of the single-process group, and the argument checks every group shares.</summary>
public unsafe class SingleProcessTensorCollectiveTests
{
    [Fact]
    public void AllGatherOfOneRankCopiesTheInputIntoAnyLayoutOfOutput()
    {
        using var group = new SingleProcessGroup();
        using var input = torch.arange(0, 12, dtype: torch.bfloat16).reshape(3, 4).t(); // non-contiguous
        using var output = torch.zeros(2, 6, dtype: torch.bfloat16);

        group.AllGather(input, output);

        using var expected = input.contiguous().reshape(2, 6);
        Assert.True(output.eq(expected).all().item<bool>());
    }

    [Fact]
    public void AllReduceOfOneRankLeavesTheTensorAsItWasForSumAndAverage()
    {
        using var group = new SingleProcessGroup();
        using var tensor = torch.tensor(new float[] { 1.5f, -2, 7 });

        group.AllReduce(tensor);
        group.AllReduce(tensor, ReduceOp.Average);

        Assert.Equal([1.5f, -2, 7], tensor.data<float>().ToArray());
    }

    [Fact]
    public void ReduceScatterOfOneRankCopiesTheSingleBlock()
    {
        using var group = new SingleProcessGroup();
        using var input = torch.tensor(new double[] { 3, 4, 5, 6 });
        using var output = torch.zeros(2, 2, dtype: torch.float64).t();

        group.ReduceScatter(input, output, ReduceOp.Average);

        Assert.Equal([3.0, 4, 5, 6], output.contiguous().data<double>().ToArray());
    }

    [Fact]
    public void ScatterAndGatherOfOneRankCopyThePartAtItsOffset()
    {
        using var group = new SingleProcessGroup();
        byte[] all = [9, 9, 1, 2, 3, 9];
        byte[] part = new byte[3];
        byte[] back = new byte[6];
        fixed (byte* a = all, p = part, b = back)
        {
            group.ScatterNative((nint)a, [3], [2], (nint)p, 3);
            group.GatherNative((nint)p, 3, (nint)b, [3], [1]);
        }

        Assert.Equal([1, 2, 3], part);
        Assert.Equal([0, 1, 2, 3, 0, 0], back);
    }

    [Fact]
    public void TensorCollectivesRefuseMismatchedSizesNamingTheCounts()
    {
        using var group = new SingleProcessGroup();
        using var input = torch.zeros(4);
        using var output = torch.zeros(5);

        var gather = Assert.Throws<ArgumentException>(() => group.AllGather(input, output));
        var scatter = Assert.Throws<ArgumentException>(() => group.ReduceScatter(input, output));

        Assert.Equal("output", gather.ParamName);
        Assert.Contains("size mismatch: 'output' has 5 elements, but 1 ranks x 4 input elements = 4", gather.Message);
        Assert.Equal("input", scatter.ParamName);
        Assert.Contains("size mismatch: 'input' has 4 elements, but 1 ranks x 5 output elements = 5", scatter.Message);
    }

    [Fact]
    public void TensorCollectivesRefuseWrongDTypesNamingThem()
    {
        using var group = new SingleProcessGroup();
        using var integers = torch.zeros(4, dtype: torch.int64);
        using var floats = torch.zeros(4);

        Assert.Contains("dtype Int64; reductions take Float32, Float64, BFloat16 or Float16", Assert.Throws<ArgumentException>(() => group.AllReduce(integers)).Message);
        Assert.Contains("dtype Int64; reductions take", Assert.Throws<ArgumentException>(() => group.ReduceScatter(integers, integers)).Message);
        Assert.Contains("'output' has dtype Float32 but 'input' has Int64", Assert.Throws<ArgumentException>(() => group.AllGather(integers, floats)).Message);
        Assert.Contains("'output' has dtype Int64 but 'input' has Float32", Assert.Throws<ArgumentException>(() => group.ReduceScatter(floats, integers)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => group.AllReduce(floats, (ReduceOp)7));
    }

    [Fact]
    public void TensorCollectivesRefuseMetaAndNullTensors()
    {
        using var group = new SingleProcessGroup();
        using var meta = torch.empty([4], device: torch.META);
        using var cpu = torch.zeros(4);

        Assert.Contains("'tensor' is on the meta device", Assert.Throws<ArgumentException>(() => group.AllReduce(meta)).Message);
        Assert.Contains("'input' is on the meta device", Assert.Throws<ArgumentException>(() => group.AllGather(meta, cpu)).Message);
        Assert.Contains("'output' is on the meta device", Assert.Throws<ArgumentException>(() => group.ReduceScatter(cpu, meta)).Message);
        Assert.Throws<ArgumentNullException>(() => group.AllReduce(null!));
        Assert.Throws<ArgumentNullException>(() => group.AllGather(cpu, null!));
    }

    [Fact]
    public void PartCollectivesRefuseCountsThatDoNotDescribeOnePartPerRank()
    {
        using var group = new SingleProcessGroup();
        byte[] buffer = new byte[8];
        fixed (byte* b = buffer)
        {
            nint address = (nint)b;
            Assert.Contains("byteCounts has 2 entries; the group has 1 ranks", Assert.Throws<ArgumentException>(() => group.ScatterNative(address, [4, 4], [0], address, 4)).Message);
            Assert.Contains("byteOffsets has 0 entries", Assert.Throws<ArgumentException>(() => group.GatherNative(address, 4, address, [4], [])).Message);
            Assert.Contains("byteCounts[0] is -1", Assert.Throws<ArgumentException>(() => group.ScatterNative(address, [-1], [0], address, 0)).Message);
            Assert.Contains("rank 0 passed receiveBytes = 3, but the root's byteCounts[0] is 4", Assert.Throws<ArgumentException>(() => group.ScatterNative(address, [4], [0], address, 3)).Message);
            Assert.Contains("rank 0 passed sendBytes = 5, but the root's byteCounts[0] is 4", Assert.Throws<ArgumentException>(() => group.GatherNative(address, 5, address, [4], [0])).Message);
            Assert.Contains("the root's address is null", Assert.Throws<ArgumentException>(() => group.ScatterNative(0, [4], [0], address, 4)).Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => group.ScatterNative(address, [4], [0], address, 4, root: 1));
        }
    }
}
