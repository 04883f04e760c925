namespace AgentRetrieval.Indexing.Vectors;

/// <summary>Float16 rows read from the mapped vector file, through the snapshot's row map.</summary>
internal readonly unsafe struct FileHalfRows(Half* vectors, int[] fileRows, int dimensions) : IHalfRows
{
    public int Dimensions { get; } = dimensions;

    public Half* Row(int row) => vectors + ((long)fileRows[row] * Dimensions);
}
