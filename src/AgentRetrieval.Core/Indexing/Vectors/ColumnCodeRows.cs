namespace AgentRetrieval.Indexing.Vectors;

/// <summary>Codes read from <see cref="CodeColumns"/>.</summary>
internal readonly unsafe struct ColumnCodeRows(CodeColumns columns) : ICodeRows
{
    private readonly ulong* _codes = columns.Codes;
    private readonly ulong* _prefix = columns.Prefix;
    private readonly int _stride = columns.PrefixStride;

    public int Words { get; } = columns.Words;

    public int PrefixWords { get; } = columns.PrefixWords;

    public ulong* Code(int row) => _codes + ((long)row * Words);

    public ulong* Prefix(int row) => _prefix + ((long)row * _stride);
}
