using AgentRetrieval.Indexing;

namespace AgentRetrieval.Tests.Indexing;

public sealed class LiveRowsTests
{
    [Fact]
    public void LiveRows_DeadRowsBetweenAscendingIds_LiveOnesInIdOrderWithTheirRows()
    {
        (long[] ids, int[] rows) = EmbeddedImageIndex.LiveRows([5, -1, 7, 9, -1, -1, 12]);

        Assert.Equal([5L, 7, 9, 12], ids);
        Assert.Equal([0, 2, 3, 6], rows);
    }

    [Fact]
    public void LiveRows_IdWrittenAgainLater_LastRowServesItAndIdsStaySorted()
    {
        (long[] ids, int[] rows) = EmbeddedImageIndex.LiveRows([3, 8, -1, 4, 3, 9, 8]);

        Assert.Equal([3L, 4, 8, 9], ids);
        Assert.Equal([4, 3, 6, 5], rows);
    }

    [Fact]
    public void LiveRows_MillionRowsEveryTenthDead_SameAsTheDefinition()
    {
        long[] all = [.. Enumerable.Range(0, 1_000_000).Select(r => r % 10 == 3 ? -1L : 2L * r)];
        (long[] ids, int[] rows) = EmbeddedImageIndex.LiveRows(all);

        int[] expected = [.. Enumerable.Range(0, all.Length).Where(r => all[r] >= 0)];
        Assert.Equal(expected, rows);
        Assert.Equal(expected.Select(r => all[r]), ids);
    }
}
