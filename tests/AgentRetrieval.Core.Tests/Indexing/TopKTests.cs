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
}
