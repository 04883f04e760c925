using AgentRetrieval.Indexing.Vectors;

namespace AgentRetrieval.Tests.Indexing.Vectors;

public sealed class HalfColumnsTests
{
    [Theory]
    [InlineData(16, 50, 1)]
    [InlineData(512, 140_000, 2)] // enough rows for the gather to split across the cores
    public void Build_LiveRowsOutOfFileOrder_EachRowCopiedToItsSnapshotPlace(int dims, int fileRowCount, int seed)
    {
        var random = new Random(seed);
        Half[] file = [.. Enumerable.Range(0, fileRowCount * dims).Select(_ => (Half)((random.NextDouble() * 2) - 1))];
        int[] fileRows = [.. Enumerable.Range(0, fileRowCount).Where(r => r % 3 != 1).OrderBy(_ => random.Next())];

        using HalfColumns columns = HalfColumns.Build(file, fileRows, dims);
        for (int r = 0; r < fileRows.Length; r += Math.Max(1, fileRows.Length / 997))
        {
            Assert.Equal(file.AsSpan(fileRows[r] * dims, dims), columns.RowOf(r));
        }

        Assert.Equal(file.AsSpan(fileRows[^1] * dims, dims), columns.RowOf(fileRows.Length - 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => columns.RowOf(fileRows.Length));
        Assert.Throws<ArgumentOutOfRangeException>(() => HalfColumns.Build(file, [fileRowCount], dims));
    }
}
