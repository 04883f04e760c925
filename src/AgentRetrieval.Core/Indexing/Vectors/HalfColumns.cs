namespace AgentRetrieval.Indexing.Vectors;

/// <summary>
/// The float16 rows of one snapshot, copied out of the memory-mapped vector file into the snapshot's row order in
/// <see cref="HugePages"/>: the shortlist's exact re-score reads a thousand of them at random per search, and a filtered
/// exact search a tenth of the library. Read through the file's 4 KB pages, each row cost a page-table walk; after
/// anything else had streamed through the caches (a model's weights, another search) those walks missed too and the
/// re-score at a million photos took 4–7 ms instead of about 1 (measured).
/// </summary>
/// <remarks>
/// Built once per snapshot by long-running hosts, within a memory budget (see <see cref="EmbeddedImageIndex.WarmUp"/>);
/// read-only afterwards and safe for concurrent readers; freed by its owner.
/// </remarks>
internal sealed unsafe class HalfColumns : IDisposable
{
    private readonly Half* _rows;
    private readonly long _held;
    private bool _disposed;

    private HalfColumns(int[] fileRows, int dimensions, Half* rows, long held)
    {
        For = fileRows;
        Dimensions = dimensions;
        _rows = rows;
        _held = held;
    }

    /// <summary>The snapshot's row map the columns follow.</summary>
    public int[] For { get; }

    /// <summary>Values of one row.</summary>
    public int Dimensions { get; }

    /// <summary>Row r starts at <c>Rows + r × Dimensions</c>.</summary>
    public Half* Rows => _rows;

    /// <summary>Row r's values.</summary>
    public ReadOnlySpan<Half> RowOf(int row)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)For.Length, nameof(row));
        return new ReadOnlySpan<Half>(_rows + ((long)row * Dimensions), Dimensions);
    }

    /// <summary>The bytes <paramref name="rows"/> rows of <paramref name="dimensions"/> values take.</summary>
    public static long BytesFor(long rows, int dimensions) => rows * dimensions * 2L;

    /// <summary>Gathers the rows of <paramref name="fileRows"/> from rows held in managed memory (row i at <c>i × dimensions</c>).</summary>
    public static HalfColumns Build(ReadOnlySpan<Half> fileVectors, int[] fileRows, int dimensions)
    {
        ArgumentNullException.ThrowIfNull(fileRows);
        foreach (int r in fileRows)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(((long)r + 1) * dimensions, fileVectors.Length, nameof(fileRows));
        }

        fixed (Half* p = fileVectors)
        {
            return Build(p, fileRows, dimensions);
        }
    }

    /// <summary>Gathers the rows of <paramref name="fileRows"/> (split across the cores) from the mapped file.</summary>
    /// <param name="fileVectors">The mapped rows: row i of the files at <c>fileVectors + i × dimensions</c>.</param>
    /// <param name="fileRows">The snapshot's rows: where each lives in the files.</param>
    /// <param name="dimensions">Values per row.</param>
    public static HalfColumns Build(Half* fileVectors, int[] fileRows, int dimensions)
    {
        ArgumentNullException.ThrowIfNull(fileRows);
        int n = fileRows.Length;
        var rows = (Half*)HugePages.Allocate(BytesFor(n, dimensions), out long held);
        int parts = Math.Clamp(n / 65_536, 1, Environment.ProcessorCount);
        nint source = (nint)fileVectors, target = (nint)rows;
        long rowBytes = dimensions * 2L;
        Parallel.For(0, parts, p =>
        {
            int start = (int)((long)n * p / parts), end = (int)((long)n * (p + 1) / parts);
            for (int r = start; r < end; r++)
            {
                Buffer.MemoryCopy((byte*)source + ((long)fileRows[r] * rowBytes), (byte*)target + (r * rowBytes), rowBytes, rowBytes);
            }
        });
        return new HalfColumns(fileRows, dimensions, rows, held);
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            HugePages.Free(_rows, _held);
        }
    }
}
