namespace AgentRetrieval.Indexing.Vectors;

/// <summary>
/// The binary codes of one snapshot, copied out of the memory-mapped codes file into the snapshot's row order: a
/// prefix column (the first two words of every code, 16 bytes a row, read straight through by the shortlist's first
/// stage) and the whole codes (read at random by its second stage). Both live in <see cref="HugePages"/>.
/// </summary>
/// <remarks>Built once per snapshot; read-only afterwards and safe for concurrent readers; freed by its owner.</remarks>
internal sealed unsafe class CodeColumns : IDisposable
{
    private readonly ulong* _codes;
    private readonly ulong* _prefix; // _codes itself when a code has at most two words
    private readonly long _codesHeld;
    private readonly long _prefixHeld;
    private bool _disposed;

    private CodeColumns(int[] fileRows, int words, ulong* codes, ulong* prefix, long codesHeld, long prefixHeld)
    {
        For = fileRows;
        Words = words;
        PrefixWords = Math.Min(2, words);
        PrefixStride = prefix == codes ? words : PrefixWords;
        _codes = codes;
        _prefix = prefix;
        _codesHeld = codesHeld;
        _prefixHeld = prefixHeld;
    }

    /// <summary>The snapshot's row map the columns follow.</summary>
    public int[] For { get; }

    /// <summary>Words of one whole code.</summary>
    public int Words { get; }

    /// <summary>Words of the prefix the first stage compares (at most two).</summary>
    public int PrefixWords { get; }

    /// <summary>Words from one row's prefix to the next's.</summary>
    public int PrefixStride { get; }

    /// <summary>Row r's whole code starts at <c>Codes + r × Words</c>.</summary>
    public ulong* Codes => _codes;

    /// <summary>Row r's prefix starts at <c>Prefix + r × PrefixStride</c>.</summary>
    public ulong* Prefix => _prefix;

    /// <summary>Row r's whole code.</summary>
    public ReadOnlySpan<ulong> CodeOf(int row) => new(_codes + ((long)Checked(row) * Words), Words);

    /// <summary>Row r's prefix.</summary>
    public ReadOnlySpan<ulong> PrefixOf(int row) => new(_prefix + ((long)Checked(row) * PrefixStride), PrefixWords);

    /// <summary>Gathers the codes of <paramref name="fileRows"/> from codes held in managed memory (row i at <c>i × words</c>).</summary>
    public static CodeColumns Build(ReadOnlySpan<ulong> fileCodes, int[] fileRows, int words)
    {
        ArgumentNullException.ThrowIfNull(fileRows);
        foreach (int r in fileRows)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(((long)r + 1) * words, fileCodes.Length, nameof(fileRows));
        }

        fixed (ulong* p = fileCodes)
        {
            return Build(p, fileRows, words);
        }
    }

    /// <summary>Gathers the codes of <paramref name="fileRows"/> (split across the cores) from the mapped file.</summary>
    /// <param name="fileCodes">The mapped codes: row i of the files at <c>fileCodes + i × words</c>.</param>
    /// <param name="fileRows">The snapshot's rows: where each lives in the files.</param>
    /// <param name="words">Words per code.</param>
    public static CodeColumns Build(ulong* fileCodes, int[] fileRows, int words)
    {
        ArgumentNullException.ThrowIfNull(fileRows);
        int n = fileRows.Length;
        bool separatePrefix = words > 2;
        long prefixHeld = 0;
        ulong* codes = (ulong*)HugePages.Allocate((long)n * words * 8, out long codesHeld);
        ulong* prefix = codes;
        try
        {
            if (separatePrefix)
            {
                prefix = (ulong*)HugePages.Allocate((long)n * 16, out prefixHeld);
            }
        }
        catch
        {
            HugePages.Free(codes, codesHeld);
            throw;
        }

        int parts = Math.Clamp(n / 65_536, 1, Environment.ProcessorCount);
        nint source = (nint)fileCodes, wholeColumn = (nint)codes, prefixColumn = (nint)prefix;
        Parallel.For(0, parts, p =>
        {
            var from = (ulong*)source;
            var to = (ulong*)wholeColumn;
            var firstTwo = (ulong*)prefixColumn;
            int start = (int)((long)n * p / parts), end = (int)((long)n * (p + 1) / parts);
            for (int r = start; r < end; r++)
            {
                ulong* c = from + ((long)fileRows[r] * words);
                Buffer.MemoryCopy(c, to + ((long)r * words), words * 8L, words * 8L);
                if (separatePrefix)
                {
                    firstTwo[(long)r * 2] = c[0];
                    firstTwo[((long)r * 2) + 1] = c[1];
                }
            }
        });
        return new CodeColumns(fileRows, words, codes, prefix, codesHeld, prefixHeld);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_prefix != _codes)
        {
            HugePages.Free(_prefix, _prefixHeld);
        }

        HugePages.Free(_codes, _codesHeld);
    }

    private int Checked(int row)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)For.Length, nameof(row));
        return row;
    }
}
