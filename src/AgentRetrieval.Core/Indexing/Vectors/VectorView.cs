using System.IO.MemoryMappedFiles;
using System.Numerics;
using System.Numerics.Tensors;

namespace AgentRetrieval.Indexing.Vectors;

/// <summary>
/// A read-only memory map of the committed rows of <see cref="VectorFiles"/>: float16 vectors and binary codes.
/// Searches read straight from the map; the operating system keeps the pages it needs.
/// </summary>
/// <remarks>Thread-safe for concurrent reads. Disposing it while a search runs is the owner's mistake to avoid.</remarks>
internal sealed unsafe class VectorView : IDisposable
{
    private readonly Mapping? _vectors;
    private readonly Mapping? _codes;
    private int _users;
    private bool _retired;

    // The snapshot's codes in its row order, in huge pages (see CodeColumns); built on first use.
    private readonly Lock _columnsLock = new();
    private CodeColumns? _columns;
    private HalfColumns? _halfColumns;

    private VectorView(Mapping? vectors, Mapping? codes, long rows, long codeRows, int dimensions, int codeWords)
    {
        _vectors = vectors;
        _codes = codes;
        Rows = rows;
        CodeRows = codeRows;
        Dimensions = dimensions;
        CodeWords = codeWords;
    }

    /// <summary>Rows mapped.</summary>
    public long Rows { get; }

    /// <summary>Rows with a binary code (0 or <see cref="Rows"/>).</summary>
    public long CodeRows { get; }

    public int Dimensions { get; }

    public int CodeWords { get; }

    public static VectorView Open(string vectorsPath, string? codesPath, int header, long rows, long codeRows, int dimensions, int codeWords)
    {
        Mapping? v = rows == 0 ? null : new Mapping(vectorsPath, header, rows * dimensions * 2L);
        Mapping? c = null;
        try
        {
            c = codesPath is null || codeRows == 0 ? null : new Mapping(codesPath, header, codeRows * codeWords * 8L);
        }
        catch
        {
            v?.Dispose();
            throw;
        }

        return new VectorView(v, c, rows, codeRows, dimensions, codeWords);
    }

    /// <summary>The float16 values of one row.</summary>
    public ReadOnlySpan<Half> Row(long row)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((ulong)row, (ulong)Rows, nameof(row));
        return new ReadOnlySpan<Half>(_vectors!.Pointer + (row * Dimensions * 2L), Dimensions);
    }

    /// <summary>One row as float32.</summary>
    public void Read(long row, Span<float> destination) => TensorPrimitives.ConvertToSingle(Row(row), destination);

    /// <summary>Snapshot row <paramref name="row"/> as float32: from <see cref="HalfColumns"/> once built, else from the file.</summary>
    /// <param name="fileRows">The snapshot's rows: where each lives in the files.</param>
    /// <param name="row">The snapshot row.</param>
    /// <param name="destination">Receives its values.</param>
    public void Read(int[] fileRows, int row, Span<float> destination)
    {
        if (BuiltHalfColumns(fileRows) is { } columns)
        {
            TensorPrimitives.ConvertToSingle(columns.RowOf(row), destination);
        }
        else
        {
            Read(fileRows[row], destination);
        }
    }

    /// <summary>The cosine of one row with a unit query.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public float Dot(long row, ReadOnlySpan<float> query) => HalfDot.Dot(Row(row), query);

    /// <summary>The first code's first word (the codes are <see cref="CodeWords"/> words apart); for scans.</summary>
    internal ulong* CodesPointer => (ulong*)_codes!.Pointer;

    /// <summary>
    /// The codes of the snapshot's rows, contiguous and in the snapshot's order (built on first call: one gather over
    /// the codes, split across the cores), kept until the view closes; searches use them once built. Thread-safe.
    /// </summary>
    /// <param name="fileRows">The snapshot's rows: where each lives in the files (one snapshot per view).</param>
    /// <exception cref="InvalidOperationException">Asked for another snapshot's rows than the first call's.</exception>
    internal CodeColumns Columns(int[] fileRows) =>
        BuildOnce(ref _columns, fileRows, static (view, rows) => CodeColumns.Build(view.CodesPointer, rows, view.CodeWords), static c => c.For);

    /// <summary>The columns, when <see cref="Columns"/> has built them for these rows; otherwise null.</summary>
    internal CodeColumns? BuiltColumns(int[] fileRows) => Volatile.Read(ref _columns) is { } c && ReferenceEquals(c.For, fileRows) ? c : null;

    /// <summary>The first row's first value (the rows are <see cref="Dimensions"/> values apart); for scans.</summary>
    internal Half* VectorsPointer => (Half*)_vectors!.Pointer;

    /// <summary>
    /// The float16 rows of the snapshot, contiguous and in its order in huge pages (built on first call, split across
    /// the cores), kept until the view closes; exact scores read them once built. Thread-safe.
    /// </summary>
    /// <param name="fileRows">The snapshot's rows: where each lives in the files (one snapshot per view).</param>
    /// <exception cref="InvalidOperationException">Asked for another snapshot's rows than the first call's.</exception>
    internal HalfColumns HalfColumns(int[] fileRows) =>
        BuildOnce(ref _halfColumns, fileRows, static (view, rows) => Vectors.HalfColumns.Build(view.VectorsPointer, rows, view.Dimensions), static c => c.For);

    /// <summary>
    /// Builds a per-snapshot copy on first call and keeps it until the view closes (freed in <see cref="Close"/>); a
    /// closed view builds nothing, so no native memory outlives it.
    /// </summary>
    private T BuildOnce<T>(ref T? field, int[] fileRows, Func<VectorView, int[], T> build, Func<T, int[]> rowsOf)
        where T : class
    {
        T? built = Volatile.Read(ref field);
        if (built is null)
        {
            lock (_columnsLock)
            {
                built = field;
                if (built is null)
                {
                    ObjectDisposedException.ThrowIf(Volatile.Read(ref _users) < 0, this);
                    built = build(this, fileRows);
                    Volatile.Write(ref field, built);
                }
            }
        }

        return ReferenceEquals(rowsOf(built), fileRows)
            ? built
            : throw new InvalidOperationException("A vector view serves the rows of one snapshot.");
    }

    /// <summary>The rows, when <see cref="HalfColumns"/> has built them for these rows; otherwise null.</summary>
    internal HalfColumns? BuiltHalfColumns(int[] fileRows) => Volatile.Read(ref _halfColumns) is { } c && ReferenceEquals(c.For, fileRows) ? c : null;

    /// <summary>Holds the map open for one search; returns false once it is retired and closed.</summary>
    public bool TryEnter()
    {
        while (true)
        {
            int users = Volatile.Read(ref _users);
            if (users < 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _users, users + 1, users) == users)
            {
                return true;
            }
        }
    }

    /// <summary>Ends a search begun with <see cref="TryEnter"/>.</summary>
    public void Exit()
    {
        if (Interlocked.Decrement(ref _users) == 0 && Volatile.Read(ref _retired))
        {
            Close();
        }
    }

    /// <summary>Closes the map once no search uses it (a newer view replaced it).</summary>
    public void Dispose()
    {
        Volatile.Write(ref _retired, true);
        Close();
    }

    private void Close()
    {
        // Only when nobody is inside: flip 0 to -1 so that no search enters a closed map.
        if (Interlocked.CompareExchange(ref _users, -1, 0) == 0)
        {
            lock (_columnsLock) // after a copy being gathered from the maps, never during it
            {
                _columns?.Dispose();
                _columns = null;
                _halfColumns?.Dispose();
                _halfColumns = null;
                _vectors?.Dispose();
                _codes?.Dispose();
            }
        }
    }

    /// <summary>
    /// Maps every page of the vector and code files into this process, so that searches of a long-running host do not
    /// take a page fault per random row (at a million photos the exact re-score of 2,048 rows otherwise faults on most of
    /// them). Only what the page cache holds is mapped; nothing is read that is not there. Returns whether it worked.
    /// </summary>
    public bool Populate() => (_vectors?.Populate() ?? true) & (_codes?.Populate() ?? true);

    /// <summary>
    /// Drops this process's mapping of the vector file's pages (Linux: madvise MADV_DONTNEED; the page cache keeps them
    /// for the kernel to reuse or reclaim): once <see cref="HalfColumns"/> serves the searches, they would only double
    /// the process's resident memory. A later read of a row maps its page again.
    /// </summary>
    public void ReleaseVectorPages() => _vectors?.Release();

    /// <summary>One mapped file region.</summary>
    private sealed class Mapping : IDisposable
    {
        private readonly MemoryMappedFile _file;
        private readonly MemoryMappedViewAccessor _view;

        public Mapping(string path, long offset, long length)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length < offset + length)
            {
                throw new InvalidDataException($"'{path}' holds {stream.Length} bytes; the catalogue committed {offset + length}.");
            }

            _file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            try
            {
                _view = _file.CreateViewAccessor(offset, length, MemoryMappedFileAccess.Read);
            }
            catch
            {
                _file.Dispose();
                throw;
            }

            byte* p = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            Pointer = p + _view.PointerOffset;
            Length = length;
        }

        public byte* Pointer { get; }

        public long Length { get; init; }

        /// <summary>Maps every page of the file into this process now (Linux: madvise MADV_POPULATE_READ); false where that is not possible.</summary>
        public bool Populate()
        {
            if (!OperatingSystem.IsLinux() || Length == 0)
            {
                return false;
            }

            nint start = (nint)Pointer & ~(nint)4095;
            nint length = (nint)(Pointer + Length) - start;
            return MemoryAdvice.madvise(start, length, MemoryAdvice.PopulateRead) == 0;
        }

        /// <summary>Unmaps the pages from this process (Linux: madvise MADV_DONTNEED); they stay in the page cache.</summary>
        public void Release()
        {
            if (OperatingSystem.IsLinux() && Length > 0)
            {
                nint start = (nint)Pointer & ~(nint)4095;
                _ = MemoryAdvice.madvise(start, (nint)(Pointer + Length) - start, MemoryAdvice.DontNeed);
            }
        }

        public void Dispose()
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _file.Dispose();
        }
    }
}
