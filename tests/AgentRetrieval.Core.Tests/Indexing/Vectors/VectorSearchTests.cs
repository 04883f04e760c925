using AgentRetrieval.Indexing.Vectors;

namespace AgentRetrieval.Tests.Indexing.Vectors;

public sealed class VectorSearchTests
{
    [Theory]
    [InlineData(1_000, 37, 1, 1)]
    [InlineData(70_001, 3_000, 2, 2)]
    [InlineData(70_001, 3_000, 3, 3)]
    [InlineData(5_000, 5_000, 4, 2)]
    [InlineData(9_999, 1, 5, 3)]
    public void PickRows_EachPartWithItsShareOfTies_SameRowsAsOneSequentialSelection(int n, int count, int seed, int parts)
    {
        // Few distinct distances, so that many rows tie at the threshold and the parts must share them out in row order.
        var random = new Random(seed);
        byte[] distances = [.. Enumerable.Range(0, n).Select(_ => (byte)random.Next(0, 20))];
        int[] total = new int[130];
        int[][] histograms = [.. Enumerable.Range(0, parts).Select(_ => new int[130])];
        int[] starts = [.. Enumerable.Range(0, parts + 1).Select(p => (int)((long)n * p / parts))];
        for (int p = 0; p < parts; p++)
        {
            for (int r = starts[p]; r < starts[p + 1]; r++)
            {
                histograms[p][distances[r]]++;
                total[distances[r]]++;
            }
        }

        (int threshold, int[] tied) = VectorSearch.Threshold(total, histograms, count);
        int[] picked = [.. Enumerable.Range(0, parts).SelectMany(p => Pick(distances, starts[p], starts[p + 1], threshold, tied[p]))];
        (int sampledThreshold, int[] sampledTied) = VectorSearch.SampledThreshold(histograms, 1, count, n); // every row counted
        Assert.Equal(picked, Enumerable.Range(0, parts).SelectMany(p => Pick(distances, starts[p], starts[p + 1], sampledThreshold, sampledTied[p])));

        Assert.Equal(VectorSearch.Select(distances, total, count), picked);

        // The same selection over the parts' rows in place, as the shortlist's second stage makes it.
        (int[] Rows, byte[] Distances)[] inParts = [.. Enumerable.Range(0, parts).Select(p => (Enumerable.Range(starts[p], starts[p + 1] - starts[p]).ToArray(), distances[starts[p]..starts[p + 1]]))];
        Assert.Equal(VectorSearch.Select(distances, total, count), VectorSearch.Select(inParts, total, count));
    }

    [Theory]
    [InlineData(1_000_000, 34_816, 16, 2, 1)]
    [InlineData(1_000_000, 34_816, 15, 2, 2)]
    [InlineData(300_001, 9_000, 4, 3, 3)]
    [InlineData(100_000, 2_000, 16, 2, 4)]
    public void SampledThreshold_HistogramsOfEveryStrideThRow_PassesAboutTheCountNearestInEachPartsRowOrder(int n, int count, int stride, int parts, int seed)
    {
        // Distances like a 128-bit prefix's (a binomial around 64), every part with its own mix; the last bucket (130)
        // holds rows a filter excludes.
        var random = new Random(seed);
        byte[] distances = new byte[n];
        for (int r = 0; r < n; r++)
        {
            int bits = 0;
            for (int b = 0; b < 128; b++)
            {
                bits += random.Next(100) < (r < n / 3 ? 45 : 52) ? 1 : 0;
            }

            distances[r] = random.Next(10) == 0 ? (byte)130 : (byte)bits;
        }

        int[] starts = [.. Enumerable.Range(0, parts + 1).Select(p => (int)((long)n * p / parts))];
        int[][] histograms = [.. Enumerable.Range(0, parts).Select(_ => new int[131])];
        for (int p = 0; p < parts; p++)
        {
            for (int r = (starts[p] + stride - 1) / stride * stride; r < starts[p + 1]; r += stride)
            {
                histograms[p][distances[r]]++;
            }
        }

        int candidates = distances.Count(d => d != 130);
        (int threshold, int[] tied) = VectorSearch.SampledThreshold(histograms, stride, count, candidates);
        int[] picked = [.. Enumerable.Range(0, parts).SelectMany(p => Pick(distances, starts[p], starts[p + 1], threshold, tied[p]))];

        // About the count; every row under the threshold; at it, each part's first rows in row order.
        Assert.InRange(picked.Length, count * 0.95, count * 1.05);
        Assert.Equal(distances.Count(d => d < threshold), picked.Count(r => distances[r] < threshold));
        Assert.All(picked, r => Assert.True(distances[r] <= threshold));
        for (int p = 0; p < parts; p++)
        {
            int[] tiedRows = [.. Enumerable.Range(starts[p], starts[p + 1] - starts[p]).Where(r => distances[r] == threshold)];
            Assert.Equal(tiedRows.Take(tied[p]), picked.Where(r => r >= starts[p] && r < starts[p + 1] && distances[r] == threshold));
        }

        // Asked for every allowed row, it passes every allowed row.
        (int all, int[] allTied) = VectorSearch.SampledThreshold(histograms, stride, candidates, candidates);
        Assert.Equal(candidates, Enumerable.Range(0, parts).Sum(p => Pick(distances, starts[p], starts[p + 1], all, allTied[p]).Length));
    }

    private static int[] Pick(byte[] distances, int start, int end, int threshold, int tied)
    {
        int[] rows = new int[end - start];
        return rows[..VectorSearch.PickRows(distances, start, end, threshold, tied, rows)];
    }

    [Theory]
    [InlineData(20, 500, 60, 1)]   // one code word, dimensions not a multiple of 8
    [InlineData(256, 900, 100, 2)] // four words: a separate two-word prefix column
    [InlineData(512, 3_000, 1_000, 3)]
    public void Estimate_CodesGatheredInSnapshotOrder_RanksBySumOfCentredQueryOverEachCodesSigns(int dims, int fileRowCount, int count, int seed)
    {
        var random = new Random(seed);
        int words = (dims + 63) / 64;
        ulong[] fileCodes = new ulong[fileRowCount * words];
        for (int i = 0; i < fileCodes.Length; i++)
        {
            fileCodes[i] = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 40);
            int last = i % words;
            if (last == words - 1 && dims % 64 != 0)
            {
                fileCodes[i] &= (1UL << (dims % 64)) - 1; // no bits past the last dimension, as VectorFiles.Encode writes them
            }
        }

        // The snapshot: every other file row is dead, and the live ones are not in file order.
        int[] fileRows = [.. Enumerable.Range(0, fileRowCount).Where(r => r % 2 == 0).OrderBy(_ => random.Next())];
        float[] query = [.. Enumerable.Range(0, dims).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        float[] centre = [.. Enumerable.Range(0, dims).Select(_ => (float)((random.NextDouble() * 0.4) - 0.2))];
        int[] candidates = [.. Enumerable.Range(0, fileRows.Length).Where(_ => random.Next(3) > 0)];

        using (CodeColumns columns = CodeColumns.Build(fileCodes, fileRows, words))
        {
            for (int r = 0; r < fileRows.Length; r++)
            {
                Assert.Equal(fileCodes.AsSpan(fileRows[r] * words, words), columns.CodeOf(r));
                Assert.Equal(fileCodes.AsSpan(fileRows[r] * words, Math.Min(2, words)), columns.PrefixOf(r));
            }

            int[] expected = [.. candidates
                .Select(r => (Row: r, Score: Enumerable.Range(0, dims).Sum(d => ((fileCodes[(fileRows[r] * words) + (d / 64)] >> (d % 64)) & 1) == 1 ? query[d] - centre[d] : 0.0)))
                .OrderByDescending(x => Math.Round(x.Score, 4)).ThenBy(x => x.Row)
                .Take(count).Select(x => x.Row).Order()];

            int[] estimated = VectorSearch.Estimate(new ColumnCodeRows(columns), query, centre, candidates, count);

            // Float sums in another order may swap two rows whose scores agree to 4 decimals; nothing else may differ.
            Assert.True(expected.Intersect(estimated).Count() >= count - 2, $"{expected.Except(estimated).Count()} rows differ");
            Assert.Equal(estimated.Order(), estimated);
        }
    }
}
