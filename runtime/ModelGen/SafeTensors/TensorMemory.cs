using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace ModelGen.SafeTensors;

/// <summary>Raw access to the memory of contiguous CPU tensors, including tensors larger than a span can cover.</summary>
internal static class TensorMemory
{
    /// <summary>Byte length of a tensor's elements.</summary>
    public static long ByteLength(torch.Tensor tensor) => tensor.numel() * tensor.element_size();

    /// <summary>
    /// Address of the first element of a contiguous CPU tensor with at least one element. TorchSharp only hands
    /// out memory as a span capped at 2 GiB, so the address is taken from a one-element view of the same
    /// storage; the caller then addresses the whole tensor from it.
    /// </summary>
    public static unsafe nint DataPointer(torch.Tensor tensor)
    {
        using torch.Tensor flat = tensor.view(-1);
        using torch.Tensor first = flat.narrow(0, 0, 1);
        return (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(first.bytes));
    }
}
