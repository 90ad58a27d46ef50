using TorchSharp;

namespace ModelGen.Distributed;

/// <summary>
/// The native bytes behind a dense CPU tensor, so collectives can move them in place without a managed copy.
/// </summary>
internal static class TensorMemory
{
    /// <summary>
    /// The address of the first element and the byte length of <paramref name="tensor"/>'s data.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor is not a contiguous CPU tensor with storage.</exception>
    public static unsafe (nint Address, long ByteCount) Of(torch.Tensor tensor, string paramName)
    {
        ArgumentNullException.ThrowIfNull(tensor, paramName);
        if (tensor.device_type != DeviceType.CPU)
            throw new ArgumentException(
                $"Only CPU tensors can be broadcast; this one is on '{tensor.device}'. Allocate it on the CPU (the meta device has no bytes to send or receive).",
                paramName);
        if (!tensor.is_contiguous())
            throw new ArgumentException("Only contiguous tensors can be broadcast in place; call contiguous() first.", paramName);

        long byteCount = checked(tensor.numel() * tensor.ElementSize);
        if (byteCount == 0)
            return (0, 0);

        // Tensor.bytes is limited to 2 GiB, so take the span of the first element only: its address is the
        // start of the tensor's data (storage offset included), and the rest follows contiguously.
        using var flat = tensor.view(-1);
        using var first = flat.narrow(0, 0, 1);
        fixed (byte* start = first.bytes)
            return ((nint)start, byteCount);
    }
}
