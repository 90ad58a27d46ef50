using TorchSharp;

namespace ModelGen.Benchmarks.Measurement;

/// <summary>
/// Fresh bytes from libtorch's own CPU allocator (the allocator every loaded tensor comes from, huge pages and
/// all), addressed raw: the distributed floor moves bytes into exactly the kind of memory the loader fills.
/// </summary>
internal sealed unsafe class TorchBuffer : IDisposable
{
    private readonly torch.Tensor _bytes;

    public TorchBuffer(long length)
    {
        _bytes = torch.empty(Math.Max(length, 1), torch.ScalarType.Byte, torch.CPU);
        using torch.Tensor first = _bytes.narrow(0, 0, 1);
        fixed (byte* start = first.bytes) Pointer = start;
        Length = length;
    }

    /// <summary>The first byte; the buffer is contiguous, so the rest follows (also past 2 GiB).</summary>
    public byte* Pointer { get; }

    public long Length { get; }

    public void Dispose() => _bytes.Dispose();
}
