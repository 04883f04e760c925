namespace AgentRetrieval.Indexing.Vectors;

/// <summary>Float16 rows read from <see cref="HalfColumns"/>.</summary>
internal readonly unsafe struct ColumnHalfRows(HalfColumns columns) : IHalfRows
{
    private readonly Half* _rows = columns.Rows;

    public int Dimensions { get; } = columns.Dimensions;

    public Half* Row(int row) => _rows + ((long)row * Dimensions);
}
