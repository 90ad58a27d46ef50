using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace ModelGen.Native;

/// <summary>
/// Raw access to the memory of contiguous CPU tensors, including tensors larger than a span can cover: reads go
/// straight into it and collectives move it in place, with no managed copy.
/// </summary>
internal static class TensorMemory
{
    /// <summary>Byte length of a tensor's elements.</summary>
    public static long ByteLength(torch.Tensor tensor) => checked(tensor.numel() * tensor.element_size());

    /// <summary>
    /// Address of the first element of a contiguous CPU tensor with at least one element. TorchSharp only hands
    /// out memory as a span capped at 2 GiB, so the address is taken from a one-element view of the same
    /// storage (storage offset included); the caller then addresses the whole tensor from it.
    /// </summary>
    public static unsafe nint DataPointer(torch.Tensor tensor)
    {
        using torch.Tensor flat = tensor.view(-1);
        using torch.Tensor first = flat.narrow(0, 0, 1);
        return (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(first.bytes));
    }

    /// <summary>The address and byte length of a tensor that a collective moves in place; (0, 0) when it is empty.</summary>
    /// <exception cref="ArgumentException">The tensor is not a contiguous CPU tensor.</exception>
    public static (nint Address, long ByteCount) Of(torch.Tensor tensor, string paramName)
    {
        ArgumentNullException.ThrowIfNull(tensor, paramName);
        if (tensor.device_type != DeviceType.CPU)
            throw new ArgumentException(
                $"Only CPU tensors can be broadcast; this one is on '{tensor.device}'. Allocate it on the CPU (the meta device has no bytes to send or receive).",
                paramName);
        if (!tensor.is_contiguous())
            throw new ArgumentException("Only contiguous tensors can be broadcast in place; call contiguous() first.", paramName);
        long byteCount = ByteLength(tensor);
        return byteCount == 0 ? (0, 0) : (DataPointer(tensor), byteCount);
    }
}
