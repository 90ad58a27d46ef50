using TorchSharp;

namespace ModelGen.Tests.SafeTensors;

internal static class TensorAssert
{
    /// <summary>Asserts two tensors hold the same values, comparing in 256 Mi-element chunks to bound the temporary masks.</summary>
    public static void SameValues(torch.Tensor expected, torch.Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(expected.dtype, actual.dtype);
        using torch.Tensor a = expected.reshape(-1);
        using torch.Tensor b = actual.reshape(-1);
        const long Chunk = 256L << 20;
        for (long start = 0; start < a.numel(); start += Chunk)
        {
            long count = Math.Min(Chunk, a.numel() - start);
            using torch.Tensor x = a.narrow(0, start, count);
            using torch.Tensor y = b.narrow(0, start, count);
            using torch.Tensor equal = x.eq(y);
            using torch.Tensor all = equal.all();
            Assert.True(all.item<bool>(), $"values differ in elements [{start}, {start + count})");
        }
    }
}
