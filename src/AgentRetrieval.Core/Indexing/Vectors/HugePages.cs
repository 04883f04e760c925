using System.Runtime.InteropServices;

namespace AgentRetrieval.Indexing.Vectors;

/// <summary>
/// Native memory for the columns a long-running host reads at random (<see cref="CodeColumns"/>,
/// <see cref="HalfColumns"/>): 2 MB-aligned and asked to be backed by 2 MB pages. Random reads over memory in 4 KB pages
/// cost a page-table walk each (a nested one in a virtual machine), which measured as much as the read itself, and more
/// when the page tables have left the caches between two searches.
/// </summary>
internal static unsafe class HugePages
{
    private const long Size = 2L << 20;

    /// <summary>At least <paramref name="bytes"/>, rounded up to whole 2 MB pages; the rounded size is what it holds.</summary>
    /// <param name="bytes">How much is needed.</param>
    /// <param name="held">The rounded size, for the memory pressure its owner reports and removes.</param>
    /// <returns>The memory (not zeroed); freed with <see cref="Free"/>.</returns>
    public static void* Allocate(long bytes, out long held)
    {
        held = (Math.Max(8L, bytes) + Size - 1) & ~(Size - 1);
        void* p = NativeMemory.AlignedAlloc((nuint)held, (nuint)Size);
        if (OperatingSystem.IsLinux())
        {
            _ = MemoryAdvice.madvise((nint)p, (nint)held, MemoryAdvice.HugePage); // a no-op where the kernel refuses
        }

        GC.AddMemoryPressure(held);
        return p;
    }

    /// <summary>Frees what <see cref="Allocate"/> returned.</summary>
    public static void Free(void* p, long held)
    {
        NativeMemory.AlignedFree(p);
        GC.RemoveMemoryPressure(held);
    }
}
