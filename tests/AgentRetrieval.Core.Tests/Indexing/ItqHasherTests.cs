using AgentRetrieval.Indexing;
using AgentRetrieval.Indexing.Binary;

namespace AgentRetrieval.Tests.Indexing;

public sealed class ItqHasherTests
{
    private static float[] Clustered(int rows, int dims, int clusters, int seed)
    {
        var rng = new Random(seed);
        float[][] centres = [.. Enumerable.Range(0, clusters).Select(_ => Enumerable.Range(0, dims).Select(_ => (float)Normal(rng)).ToArray())];
        float[] m = new float[rows * dims];
        for (int r = 0; r < rows; r++)
        {
            float[] c = centres[rng.Next(clusters)];
            float norm = 0;
            for (int d = 0; d < dims; d++)
            {
                float v = c[d] + (0.6f * (float)Normal(rng));
                m[(r * dims) + d] = v;
                norm += v * v;
            }

            for (int d = 0; d < dims; d++)
            {
                m[(r * dims) + d] /= MathF.Sqrt(norm);
            }
        }

        return m;
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    [Fact]
    public void Encode_NearVectorsGetNearCodes()
    {
        const int dims = 32;
        float[] data = Clustered(2000, dims, 10, 1);
        ItqHasher h = ItqHasher.Fit(data, dims, 16);
        ulong[] codes = h.EncodeAll(data);

        // Same-cluster neighbours (highest cosine) are closer in Hamming space than random pairs, on average.
        double near = 0, random = 0;
        var rng = new Random(2);
        for (int i = 0; i < 200; i++)
        {
            (int Row, float Score)[] nn = TopK.Exact(data, dims, data.AsSpan(i * dims, dims), 2);
            near += ItqHasher.Distance(codes.AsSpan(i, 1), codes.AsSpan(nn[1].Row, 1));
            random += ItqHasher.Distance(codes.AsSpan(i, 1), codes.AsSpan(rng.Next(2000), 1));
        }

        Assert.True(near < random / 3, $"near {near / 200:0.0} bits vs random {random / 200:0.0} bits");
    }

    [Fact]
    public void Search_Shortlist_RecoversExactTopKMostly()
    {
        const int dims = 64;
        float[] data = Clustered(20_000, dims, 50, 3);
        ItqHasher h = ItqHasher.Fit(data, dims, 64);
        var searcher = new BinaryShortlistSearcher(h, h.EncodeAll(data), data);
        float[] queries = Clustered(50, dims, 50, 3);

        double recall = 0;
        for (int q = 0; q < 50; q++)
        {
            ReadOnlySpan<float> query = queries.AsSpan(q * dims, dims);
            var exact = TopK.Exact(data, dims, query, 10).Select(x => x.Row).ToHashSet();
            recall += searcher.Search(query, 10, 1000).Count(x => exact.Contains(x.Row)) / 10.0;
        }

        Assert.True(recall / 50 >= 0.9, $"recall@10 {recall / 50:0.000}");
        Assert.True(searcher.BytesPerQuery(1000) * 5 < (long)data.Length * sizeof(float));
    }

    [Fact]
    public void WriteRead_RoundTrip_SameCodes()
    {
        float[] data = Clustered(500, 16, 5, 4);
        ItqHasher h = ItqHasher.Fit(data, 16, 16);
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            h.Write(w);
        }

        ms.Position = 0;
        ItqHasher back = ItqHasher.Read(new BinaryReader(ms));

        Assert.Equal(h.EncodeAll(data), back.EncodeAll(data));
    }

    [Fact]
    public void Fit_MoreBitsThanDimensions_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ItqHasher.Fit(new float[160], 16, 32));
    }
}
