using static TorchSharp.torch;

namespace ModelGen.Tests;

/// <summary>Exact tensor comparisons with messages that show what differed.</summary>
internal static class TensorAssert
{
    /// <summary>Same shape, same dtype, same values element by element.</summary>
    public static void Equal(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(expected.dtype, actual.dtype);
        using Tensor same = expected.eq(actual).all();
        Assert.True(same.item<bool>(), $"tensor values differ: expected {expected.ToString(TorchSharp.TensorStringStyle.Julia)}, actual {actual.ToString(TorchSharp.TensorStringStyle.Julia)}");
    }
}
