using System.Runtime.InteropServices;
using ModelGen.Training;

namespace ModelGen.Tests.Training;

/// <summary>With the mmap threshold fixed, a block of 1 MiB or more is mapped from the system (and unmapped when freed).</summary>
public sealed class LargeAllocationsTests
{
    [Fact]
    public unsafe void BlocksOfOneMiBAndMoreAreMappedFromTheSystem()
    {
        Assert.True(LargeAllocations.MapFromSystem(), "glibc on Linux takes the setting");
        Assert.True(LargeAllocations.MapFromSystem(), "applying it again is harmless");
        // glibc marks a mapped chunk in its size word, just before the block: bit 0x2 (IS_MMAPPED).
        static bool Mapped(nuint bytes)
        {
            void* block = NativeMemory.Alloc(bytes);
            try
            {
                return (((nuint*)block)[-1] & 0x2) != 0;
            }
            finally
            {
                NativeMemory.Free(block);
            }
        }
        Assert.True(Mapped((nuint)LargeAllocations.MappedFromBytes + 4096));
        Assert.True(Mapped(24u << 20), "a 24 MiB block is mapped even after larger mapped blocks were freed");
        Assert.False(Mapped(64u << 10), "small blocks still come from the heap");
    }
}
