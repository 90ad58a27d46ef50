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
}
