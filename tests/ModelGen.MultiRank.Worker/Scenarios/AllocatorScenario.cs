using System.Runtime.InteropServices;
using ModelGen.Distributed;
using ModelGen.Training;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// In a fresh process, where glibc's mmap threshold still moves: freeing a mapped 16 MiB block raises it, so an 8 MiB
/// block then comes from the heap; after <see cref="LargeAllocations.MapFromSystem"/> the next 8 MiB block is mapped.
/// glibc marks a mapped chunk in the size word just before the block (bit 0x2, IS_MMAPPED).
/// </summary>
internal static unsafe class AllocatorScenario
{
    public static int Run(IProcessGroup group, Report report)
    {
        _ = group;
        NativeMemory.Free(NativeMemory.Alloc(16u << 20));
        void* before = NativeMemory.Alloc(8u << 20);
        bool applied = LargeAllocations.MapFromSystem();
        void* after = NativeMemory.Alloc(8u << 20);
        report.Event("allocator", ("beforeMapped", Mapped(before)), ("applied", applied), ("afterMapped", Mapped(after)));
        NativeMemory.Free(before);
        NativeMemory.Free(after);
        return 0;
    }

    private static bool Mapped(void* block) => (((nuint*)block)[-1] & 0x2) != 0;
}
