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

    /// <summary>The cosine of one row with a unit query.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public float Dot(long row, ReadOnlySpan<float> query) => HalfDot.Dot(Row(row), query);

    /// <summary>The first code's first word (the codes are <see cref="CodeWords"/> words apart); for scans.</summary>
    internal ulong* CodesPointer => (ulong*)_codes!.Pointer;

    /// <summary>The code of one row.</summary>
    public ReadOnlySpan<ulong> Code(long row)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((ulong)row, (ulong)CodeRows, nameof(row));
        return new ReadOnlySpan<ulong>(_codes!.Pointer + (row * CodeWords * 8L), CodeWords);
    }

    /// <summary>Hamming distance between the code of a row and a query code.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public int Distance(long row, ReadOnlySpan<ulong> query)
    {
        ulong* c = (ulong*)(_codes!.Pointer + (row * CodeWords * 8L));
        int d = 0;
        for (int w = 0; w < query.Length; w++)
        {
            d += BitOperations.PopCount(c[w] ^ query[w]);
        }

        return d;
    }

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
            _vectors?.Dispose();
            _codes?.Dispose();
        }
    }

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
        }

        public byte* Pointer { get; }

        public void Dispose()
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _file.Dispose();
        }
    }
}
