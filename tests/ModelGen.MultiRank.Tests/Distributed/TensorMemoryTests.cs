using ModelGen.Native;
using System.Runtime.InteropServices;
using ModelGen.Distributed;
using TorchSharp;

namespace ModelGen.MultiRank.Tests.Distributed;

public class TensorMemoryTests
{
    [Fact]
    public void TheAddressIsTheFirstElementOfTheViewAndTheLengthCoversAllOfIt()
    {
        using var all = torch.arange(0, 64, dtype: torch.int16);
        using var middle = all.narrow(0, 10, 20);

        (nint address, long byteCount) = TensorMemory.Of(middle, "tensor");

        Assert.Equal(40, byteCount);
        Assert.Equal(10, Marshal.ReadInt16(address));
        Assert.Equal(29, Marshal.ReadInt16(address, 38));
    }

    [Fact]
    public void WritesThroughTheAddressLandInTheTensor()
    {
        using var tensor = torch.zeros([2, 3], dtype: torch.float32);

        (nint address, long byteCount) = TensorMemory.Of(tensor, "tensor");
        Marshal.Copy(new float[] { 1, 2, 3, 4, 5, 6 }, 0, address, 6);

        Assert.Equal(24, byteCount);
        Assert.Equal([1f, 2, 3, 4, 5, 6], tensor.data<float>().ToArray());
    }

    [Fact]
    public void AnEmptyTensorHasNoBytes()
    {
        using var empty = torch.empty([0, 5]);

        Assert.Equal((0, 0L), TensorMemory.Of(empty, "tensor"));
    }

    [Fact]
    public void ParametersScalarsAndHalfPrecisionTensorsExposeTheirBytes()
    {
        using var weights = torch.full([3, 2], 1.5f, dtype: torch.bfloat16);
        using var parameter = new TorchSharp.Modules.Parameter(weights.clone());
        using var scalar = torch.tensor(7L);

        Assert.Equal(12, TensorMemory.Of(weights, "tensor").ByteCount);
        (nint parameterAddress, long parameterBytes) = TensorMemory.Of(parameter, "tensor");
        (nint scalarAddress, long scalarBytes) = TensorMemory.Of(scalar, "tensor");

        Assert.Equal(12, parameterBytes);
        Assert.Equal(0x3FC0, (ushort)Marshal.ReadInt16(parameterAddress)); // bfloat16 1.5
        Assert.Equal((7L, 8L), (Marshal.ReadInt64(scalarAddress), scalarBytes));
    }
}
