using System.Runtime.InteropServices;

namespace AgentRetrieval.Indexing.Vectors;

/// <summary>Linux's madvise, for the vector files' maps and the code columns (callers check the platform).</summary>
internal static partial class MemoryAdvice
{
    /// <summary>MADV_DONTNEED: unmap the range's pages from this process (a file's stay in the page cache).</summary>
    public const int DontNeed = 4;

    /// <summary>MADV_HUGEPAGE: back the range with 2 MB pages where the kernel can.</summary>
    public const int HugePage = 14;

    /// <summary>MADV_POPULATE_READ: map every page of the range now, reading what the page cache lacks.</summary>
    public const int PopulateRead = 22;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int madvise(nint address, nint length, int advice);
}
