using System.Runtime.InteropServices;

namespace ModelGen.Benchmarks.Measurement;

/// <summary>
/// Fresh native memory allocated the way libtorch allocates large CPU tensors: 2 MiB aligned, and advised for
/// transparent huge pages when <c>THP_MEM_ALLOC_ENABLE=1</c>. The floor scenarios read into it.
/// </summary>
internal sealed unsafe partial class HugePageBuffer : IDisposable
{
    private const nuint Alignment = 2 * 1024 * 1024;
    private const int MadvHugePage = 14;

    public HugePageBuffer(long length, bool hugePages)
    {
        Length = length;
        Pointer = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(length, 1), Alignment);
        if (hugePages && length >= (long)Alignment)
            _ = madvise(Pointer, (nuint)length, MadvHugePage);
    }

    public byte* Pointer { get; private set; }

    public long Length { get; }

    public void Dispose()
    {
        if (Pointer != null) NativeMemory.AlignedFree(Pointer);
        Pointer = null;
    }

    [LibraryImport("libc")]
    private static partial int madvise(void* address, nuint length, int advice);
}
