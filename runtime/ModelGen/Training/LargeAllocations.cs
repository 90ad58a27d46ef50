using System.Runtime.InteropServices;

namespace ModelGen.Training;

/// <summary>
/// How the C allocator serves large blocks in a training process. glibc's default threshold for mapping a block
/// fresh from the system starts at 128 KiB and rises, up to 32 MiB, each time a mapped block is freed; blocks below it
/// then come from heaps that give freed memory back only from their top. Training frees and allocates blocks of the
/// same large sizes every step (gathered units, their gradients, the recomputation's activations, the optimizer's
/// temporaries), so with the default a rank's resident memory keeps freed blocks it will not reuse in time.
/// </summary>
public static partial class LargeAllocations
{
    /// <summary>The size from which blocks are mapped from the system and returned to it when freed: 1 MiB.</summary>
    public const int MappedFromBytes = 1 << 20;

    private const int MmapThreshold = -3; // glibc's M_MMAP_THRESHOLD

    /// <summary>
    /// Fixes glibc's mmap threshold at <see cref="MappedFromBytes"/> for this process (it then no longer rises), so
    /// every block of 1 MiB or more is mapped when allocated and unmapped when freed. Process-wide and idempotent;
    /// applied by <see cref="ReplicatedTraining.Create"/> and <see cref="ShardedTraining.Attach"/> unless their options
    /// say otherwise.
    /// </summary>
    /// <returns>Whether the allocator took the setting (false off Linux or with another C library).</returns>
    public static bool MapFromSystem()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return mallopt(MmapThreshold, MappedFromBytes) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int mallopt(int param, int value);
}
