using System.Buffers.Binary;
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace AgentRetrieval.Indexing.Vectors;

/// <summary>
/// The index's vectors, beside the SQLite catalogue, in three append-only column files of one generation:
/// <c>vectors-G.ids</c> (the catalogue id of each row, −1 once the row is replaced or removed), <c>vectors-G.f16</c>
/// (each row's unit vector in float16, fixed stride) and <c>vectors-G.codes</c> (each row's binary code: the signs of
/// the vector minus a stored centre, one bit per dimension). Readers memory-map them, so a process starts without
/// reading the vectors and a query touches only the pages it needs.
/// </summary>
/// <remarks>
/// <para>Crash safety: a batch's rows are appended and flushed to disk before the catalogue transaction that records
/// the new row count commits; on open, anything past the committed row count (a batch whose transaction never
/// committed, or a torn write) is cut off. Rows are never rewritten except to mark them dead, which happens after the
/// catalogue commit; the catalogue's live count detects a mark lost in a crash, and the owner then reconciles.</para>
/// <para>A compaction writes the live rows to the next generation and switches to it in one catalogue transaction.</para>
/// </remarks>
internal sealed class VectorFiles
{
    /// <summary>Codes are made once the index holds this many rows (the centre needs a sample; small indexes scan exactly).</summary>
    internal const int CodesFrom = 1_000;

    private const int HeaderBytes = 32;
    private const uint Magic = 0x46565241; // "ARVF"
    private const int FormatVersion = 1;

    private VectorFiles(string directory, int generation, int dimensions)
    {
        Directory = directory;
        Generation = generation;
        Dimensions = dimensions;
    }

    /// <summary>The index folder.</summary>
    public string Directory { get; }

    /// <summary>Which generation of files.</summary>
    public int Generation { get; }

    /// <summary>Values per vector.</summary>
    public int Dimensions { get; }

    /// <summary>64-bit words per code.</summary>
    public int CodeWords => (Dimensions + 63) / 64;

    /// <summary>Bytes per float16 row.</summary>
    public int VectorStride => Dimensions * 2;

    public string IdsPath => PathOf(Directory, Generation, "ids");

    public string VectorsPath => PathOf(Directory, Generation, "f16");

    public string CodesPath => PathOf(Directory, Generation, "codes");

    /// <summary>Every file name this class may write in an index folder (for deletion with the catalogue).</summary>
    public static bool IsVectorFile(string name) =>
        name.StartsWith("vectors-", StringComparison.Ordinal) && (name.EndsWith(".ids", StringComparison.Ordinal) || name.EndsWith(".f16", StringComparison.Ordinal) || name.EndsWith(".codes", StringComparison.Ordinal) || name.EndsWith(".tmp", StringComparison.Ordinal));

    /// <summary>The files of one generation; creates them (with headers) when missing.</summary>
    public static VectorFiles OpenOrCreate(string directory, int generation, int dimensions)
    {
        var files = new VectorFiles(directory, generation, dimensions);
        foreach ((string path, int stride) in files.Columns())
        {
            if (!File.Exists(path) || new FileInfo(path).Length < HeaderBytes)
            {
                using FileStream s = new(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
                s.Write(Header(dimensions, stride));
                s.Flush(flushToDisk: true);
            }
            else
            {
                CheckHeader(path, dimensions, stride);
            }
        }

        return files;
    }

    /// <summary>
    /// Brings the files to the committed state: cuts off rows past <paramref name="rows"/> (and codes past
    /// <paramref name="codeRows"/>). Call only while holding the catalogue's write lock, so no writer is mid-batch.
    /// </summary>
    /// <returns>Bytes cut off, and the problem when a file is shorter than committed (rows were lost).</returns>
    public (long CutBytes, string Problem) TruncateToCommitted(long rows, long codeRows)
    {
        long cut = 0;
        string problem = "";
        foreach ((string path, int stride) in Columns())
        {
            long want = HeaderBytes + ((path == CodesPath ? codeRows : rows) * stride);
            long have = new FileInfo(path).Length;
            if (have > want)
            {
                using FileStream s = new(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
                s.SetLength(want);
                s.Flush(flushToDisk: true);
                cut += have - want;
            }
            else if (have < want)
            {
                problem = string.Create(CultureInfo.InvariantCulture, $"'{Path.GetFileName(path)}' holds {(have - HeaderBytes) / stride} rows; the catalogue committed {(path == CodesPath ? codeRows : rows)}");
            }
        }

        return (cut, problem);
    }

    /// <summary>Rows physically present in the ids file.</summary>
    public long PhysicalRows() => Math.Max(0, (new FileInfo(IdsPath).Length - HeaderBytes) / sizeof(long));

    /// <summary>Rows whose id and vector are both on disk.</summary>
    public long CompleteRows() => Math.Min(PhysicalRows(), Math.Max(0, (new FileInfo(VectorsPath).Length - HeaderBytes) / VectorStride));

    /// <summary>Rows with a code on disk.</summary>
    public long PhysicalCodeRows() => Math.Max(0, (new FileInfo(CodesPath).Length - HeaderBytes) / (CodeWords * sizeof(ulong)));

    /// <summary>
    /// Appends rows at <paramref name="firstRow"/> (the committed row count) and flushes them to disk. Codes are
    /// written when <paramref name="centre"/> is given.
    /// </summary>
    public void Append(long firstRow, IReadOnlyList<(long Id, float[] Vector)> rows, float[]? centre, long codeRows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        byte[] ids = new byte[rows.Count * sizeof(long)];
        byte[] halves = new byte[rows.Count * VectorStride];
        byte[]? codes = centre is null ? null : new byte[rows.Count * CodeWords * sizeof(ulong)];
        for (int i = 0; i < rows.Count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(ids.AsSpan(i * sizeof(long)), rows[i].Id);
            TensorPrimitives.ConvertToHalf(rows[i].Vector, MemoryMarshal.Cast<byte, Half>(halves.AsSpan(i * VectorStride, VectorStride)));
            if (codes is not null)
            {
                Encode(rows[i].Vector, centre!, MemoryMarshal.Cast<byte, ulong>(codes.AsSpan(i * CodeWords * sizeof(ulong), CodeWords * sizeof(ulong))));
            }
        }

        WriteAt(VectorsPath, HeaderBytes + (firstRow * VectorStride), halves);
        if (codes is not null)
        {
            WriteAt(CodesPath, HeaderBytes + (codeRows * CodeWords * sizeof(ulong)), codes);
        }

        // The ids last: a row exists once its id is written.
        WriteAt(IdsPath, HeaderBytes + (firstRow * sizeof(long)), ids);
    }

    /// <summary>Writes the codes of every mapped row with a new centre (the first time codes are made).</summary>
    public void WriteAllCodes(VectorView view, float[] centre)
    {
        int words = CodeWords;
        byte[] codes = new byte[checked((int)(view.Rows * words * sizeof(ulong)))];
        float[] row = new float[Dimensions];
        for (long r = 0; r < view.Rows; r++)
        {
            view.Read(r, row);
            Encode(row, centre, MemoryMarshal.Cast<byte, ulong>(codes.AsSpan((int)(r * words * sizeof(ulong)), words * sizeof(ulong))));
        }

        using FileStream s = new(CodesPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        s.SetLength(HeaderBytes);
        s.Position = HeaderBytes;
        s.Write(codes);
        s.Flush(flushToDisk: true);
    }

    /// <summary>Marks rows dead (after the catalogue commit that removed or replaced them).</summary>
    public void MarkDead(IEnumerable<long> rows)
    {
        using FileStream s = new(IdsPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        Span<byte> dead = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64LittleEndian(dead, -1);
        bool any = false;
        foreach (long r in rows)
        {
            s.Position = HeaderBytes + (r * sizeof(long));
            s.Write(dead);
            any = true;
        }

        if (any)
        {
            s.Flush(flushToDisk: true);
        }
    }

    /// <summary>The ids of rows [0, <paramref name="rows"/>), −1 for dead rows.</summary>
    public long[] ReadIds(long rows)
    {
        long[] ids = new long[rows];
        using var handle = File.OpenHandle(IdsPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        Span<byte> bytes = MemoryMarshal.AsBytes(ids.AsSpan());
        long offset = HeaderBytes;
        while (bytes.Length > 0)
        {
            int n = RandomAccess.Read(handle, bytes, offset);
            if (n == 0)
            {
                throw new InvalidDataException($"'{IdsPath}' ends before its {rows} committed rows.");
            }

            bytes = bytes[n..];
            offset += n;
        }

        if (!BitConverter.IsLittleEndian)
        {
            for (int i = 0; i < ids.Length; i++)
            {
                ids[i] = BinaryPrimitives.ReverseEndianness(ids[i]);
            }
        }

        return ids;
    }

    /// <summary>Maps the first <paramref name="rows"/> rows (and <paramref name="codeRows"/> codes) for reading.</summary>
    public VectorView Map(long rows, long codeRows) => VectorView.Open(VectorsPath, codeRows > 0 ? CodesPath : null, HeaderBytes, rows, codeRows, Dimensions, CodeWords);

    /// <summary>Deletes the files of every other generation (best effort: a reader elsewhere may still map them).</summary>
    public void DeleteOtherGenerations()
    {
        foreach (string f in System.IO.Directory.EnumerateFiles(Directory, "vectors-*"))
        {
            string name = Path.GetFileName(f);
            if (IsVectorFile(name) && !name.StartsWith($"vectors-{Generation.ToString(CultureInfo.InvariantCulture)}.", StringComparison.Ordinal))
            {
                try
                {
                    File.Delete(f);
                }
                catch (IOException)
                {
                    // Mapped by another process on a system that forbids deleting it; the next open tries again.
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
    }

    /// <summary>The mean of rows (the centre the codes are taken around).</summary>
    public static float[] Centre(VectorView view, IReadOnlyList<long> rows)
    {
        float[] sum = new float[view.Dimensions], row = new float[view.Dimensions];
        foreach (long r in rows)
        {
            view.Read(r, row);
            TensorPrimitives.Add(sum, row, sum);
        }

        TensorPrimitives.Divide(sum, Math.Max(1, rows.Count), sum);
        return sum;
    }

    /// <summary>One bit per dimension: set when the value is above the centre's.</summary>
    public static void Encode(ReadOnlySpan<float> vector, ReadOnlySpan<float> centre, Span<ulong> code)
    {
        code.Clear();
        for (int i = 0; i < vector.Length; i++)
        {
            if (vector[i] > centre[i])
            {
                code[i >> 6] |= 1UL << (i & 63);
            }
        }
    }

    private IEnumerable<(string Path, int Stride)> Columns() =>
        [(IdsPath, sizeof(long)), (VectorsPath, VectorStride), (CodesPath, CodeWords * sizeof(ulong))];

    private static string PathOf(string directory, int generation, string column) =>
        Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"vectors-{generation}.{column}"));

    private static byte[] Header(int dimensions, int stride)
    {
        byte[] h = new byte[HeaderBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(h, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(4), FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(8), dimensions);
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(12), stride);
        return h;
    }

    private static void CheckHeader(string path, int dimensions, int stride)
    {
        byte[] h = new byte[HeaderBytes];
        using (FileStream s = new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            s.ReadExactly(h);
        }

        if (!h.AsSpan().SequenceEqual(Header(dimensions, stride)))
        {
            throw new InvalidDataException($"'{path}' is not a vector file of this index ({dimensions} dimensions): its header differs. Rebuild the index with --rebuild.");
        }
    }

    private static void WriteAt(string path, long offset, byte[] bytes)
    {
        using FileStream s = new(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        s.SetLength(offset); // drops anything an interrupted batch left past the committed end
        s.Position = offset;
        s.Write(bytes);
        s.Flush(flushToDisk: true);
    }
}
