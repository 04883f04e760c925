namespace AgentRetrieval.Indexing.Vectors;

/// <summary>Codes read from the mapped codes file, through the snapshot's row map.</summary>
internal readonly unsafe struct FileCodeRows(ulong* codes, int[] fileRows, int words) : ICodeRows
{
    public int Words { get; } = words;

    public int PrefixWords { get; } = Math.Min(2, words);

    public ulong* Code(int row) => codes + ((long)fileRows[row] * Words);

    public ulong* Prefix(int row) => Code(row);
}
