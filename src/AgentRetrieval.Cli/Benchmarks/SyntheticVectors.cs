using System.Numerics.Tensors;

namespace AgentRetrieval.Cli.Benchmarks;

/// <summary>
/// Unit vectors clustered like real image embeddings: cluster centres with a decaying spectrum (a few directions carry
/// most of the variance, as in CLIP space), members spread around them, everything L2-normalised.
/// </summary>
internal static class SyntheticVectors
{
    /// <param name="rows">How many vectors.</param>
    /// <param name="dimensions">Their size.</param>
    /// <param name="clusters">How many cluster centres.</param>
    /// <param name="seed">Seed of the members (centres are fixed, so queries and data share them).</param>
    /// <param name="spread">Members' spread around their centre.</param>
    /// <param name="anisotropy">Weight of one direction shared by all vectors (CLIP embeddings share a mean direction, so random pairs have cosine ≈ 0.4–0.5).</param>
    public static float[] Generate(int rows, int dimensions, int clusters, int seed, float spread = 1.2f, float anisotropy = 0.9f)
    {
        var centreRng = new Random(12345);
        float[] scale = [.. Enumerable.Range(0, dimensions).Select(d => 1f / MathF.Sqrt(1f + (d / 16f)))];
        float[] common = [.. Enumerable.Range(0, dimensions).Select(d => (float)Normal(centreRng) * scale[d])];
        TensorPrimitives.Divide(common, TensorPrimitives.Norm(common), common);
        float[] centres = new float[clusters * dimensions];
        for (int i = 0; i < centres.Length; i++)
        {
            centres[i] = (float)Normal(centreRng) * scale[i % dimensions];
        }

        float[] data = new float[(long)rows * dimensions > int.MaxValue ? throw new ArgumentOutOfRangeException(nameof(rows)) : rows * dimensions];
        int parts = Environment.ProcessorCount;
        Parallel.For(0, parts, p =>
        {
            var rng = new Random(seed * 7919 + p);
            int start = (int)((long)rows * p / parts), end = (int)((long)rows * (p + 1) / parts);
            for (int r = start; r < end; r++)
            {
                Span<float> row = data.AsSpan(r * dimensions, dimensions);
                ReadOnlySpan<float> c = centres.AsSpan(rng.Next(clusters) * dimensions, dimensions);
                for (int d = 0; d < dimensions; d++)
                {
                    row[d] = c[d] + (spread * (float)Normal(rng) * scale[d]);
                }

                TensorPrimitives.Divide(row, TensorPrimitives.Norm(row), row);
                TensorPrimitives.MultiplyAdd(common, anisotropy, row, row);
                TensorPrimitives.Divide(row, TensorPrimitives.Norm(row), row);
            }
        });
        return data;
    }

    /// <summary>Mean cosine of the 1st, 10th and 128th nearest neighbours and of random pairs, over a few probe rows.</summary>
    public static (double Nn1, double Nn10, double Nn128, double Random) Statistics(float[] data, int dimensions, int probes = 20)
    {
        int rows = data.Length / dimensions;
        double n1 = 0, n10 = 0, n128 = 0, random = 0;
        var rng = new Random(5);
        for (int p = 0; p < probes; p++)
        {
            int r = rng.Next(rows);
            (int Row, float Score)[] top = AgentRetrieval.Indexing.TopK.ExactParallel(data, dimensions, data.AsSpan(r * dimensions, dimensions).ToArray(), Math.Min(rows, 129));
            n1 += top[Math.Min(1, top.Length - 1)].Score;
            n10 += top[Math.Min(10, top.Length - 1)].Score;
            n128 += top[^1].Score;
            random += TensorPrimitives.Dot(data.AsSpan(r * dimensions, dimensions), data.AsSpan(rng.Next(rows) * dimensions, dimensions));
        }

        return (n1 / probes, n10 / probes, n128 / probes, random / probes);
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
