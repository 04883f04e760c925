using AgentRetrieval.Indexing;

namespace AgentRetrieval.Tests.Indexing;

public sealed class TopKTests
{
    [Fact]
    public void Exact_RandomMatrix_MatchesFullSort()
    {
        var rng = new Random(7);
        const int dims = 12, rows = 500;
        float[] m = [.. Enumerable.Range(0, dims * rows).Select(_ => (float)rng.NextDouble() - 0.5f)];
        float[] q = [.. Enumerable.Range(0, dims).Select(_ => (float)rng.NextDouble() - 0.5f)];
        var expected = Enumerable.Range(0, rows)
            .Select(r => (Row: r, Score: Enumerable.Range(0, dims).Sum(d => m[(r * dims) + d] * q[d])))
            .OrderByDescending(x => x.Score).Take(17).Select(x => x.Row).ToArray();

        (int Row, float Score)[] actual = TopK.Exact(m, dims, q, 17);

        Assert.Equal(expected, actual.Select(a => a.Row));
        Assert.True(actual.Zip(actual.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }

    [Fact]
    public void Exact_KLargerThanRows_ReturnsAllRows()
    {
        Assert.Equal(2, TopK.Exact([1f, 0f, 0f, 1f], 2, [1f, 0f], 10).Length);
    }

    [Theory]
    [InlineData(1, 500, 1)]
    [InlineData(17, 500, 2)]
    [InlineData(136, 1_088, 3)]
    [InlineData(300, 200, 4)] // fewer offers than k
    [InlineData(0, 50, 5)]
    public void Keeper_ManyTiedScoresInAnyOrder_KeepsBestByScoreThenLowerRow(int k, int offers, int seed)
    {
        // Few distinct scores, offered in a shuffled row order: the heap must order ties by row, as a full sort does.
        var rng = new Random(seed);
        (int Row, float Score)[] hits = [.. Enumerable.Range(0, offers).Select(r => (Row: r, Score: rng.Next(0, 12) / 4f)).OrderBy(_ => rng.Next())];
        var keeper = new TopK.Keeper(k);
        foreach ((int row, float score) in hits)
        {
            keeper.Offer(row, score);
        }

        (int Row, float Score)[] expected = [.. hits.OrderByDescending(h => h.Score).ThenBy(h => h.Row).Take(k)];
        Assert.Equal(expected, keeper.Sorted());
    }
}
