using System.Numerics.Tensors;

namespace AgentRetrieval.Indexing;

/// <summary>Exact top-k by dot product over a row-major matrix of unit vectors (dot = cosine).</summary>
public static class TopK
{
    /// <summary>The <paramref name="k"/> rows with the highest dot product with <paramref name="query"/>, best first.</summary>
    /// <param name="matrix">Rows of <paramref name="dimensions"/> floats.</param>
    /// <param name="dimensions">Row length.</param>
    /// <param name="query">The query.</param>
    /// <param name="k">How many.</param>
    /// <returns>(row, score) pairs, best first; ties by lower row.</returns>
    public static (int Row, float Score)[] Exact(ReadOnlySpan<float> matrix, int dimensions, ReadOnlySpan<float> query, int k)
        => Exact(matrix, dimensions, query, k, 0);

    /// <summary>
    /// Exact top-k over a large matrix, split across cores: each part keeps its own best k, then the parts are merged.
    /// </summary>
    /// <param name="matrix">Rows of <paramref name="dimensions"/> floats.</param>
    /// <param name="dimensions">Row length.</param>
    /// <param name="query">The query.</param>
    /// <param name="k">How many.</param>
    /// <returns>(row, score) pairs, best first.</returns>
    public static (int Row, float Score)[] ExactParallel(ReadOnlyMemory<float> matrix, int dimensions, ReadOnlyMemory<float> query, int k)
    {
        int rows = matrix.Length / dimensions;
        int parts = Math.Min(Environment.ProcessorCount, Math.Max(1, rows / 20_000));
        if (parts <= 1)
        {
            return Exact(matrix.Span, dimensions, query.Span, k);
        }

        var partial = new (int Row, float Score)[parts][];
        Parallel.For(0, parts, p =>
        {
            int start = (int)((long)rows * p / parts), end = (int)((long)rows * (p + 1) / parts);
            partial[p] = Exact(matrix.Span.Slice(start * dimensions, (end - start) * dimensions), dimensions, query.Span, k, start);
        });
        return [.. partial.SelectMany(x => x).OrderByDescending(x => x.Score).ThenBy(x => x.Row).Take(k)];
    }

    private static (int Row, float Score)[] Exact(ReadOnlySpan<float> matrix, int dimensions, ReadOnlySpan<float> query, int k, int rowOffset)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        int rows = matrix.Length / dimensions;
        k = Math.Min(k, rows);
        if (k <= 0)
        {
            return [];
        }

        // A min-heap of the best k so far: its root is the weakest kept hit.
        var heap = new PriorityQueue<int, (float Score, int NegRow)>(k + 1);
        // The heap is touched only when a row beats the weakest kept hit, so the scan is one dot product per row.
        float weakestScore = float.NegativeInfinity;
        for (int r = 0; r < rows; r++)
        {
            float score = TensorPrimitives.Dot(matrix.Slice(r * dimensions, dimensions), query);
            if (heap.Count < k)
            {
                heap.Enqueue(r, (score, -r));
                if (heap.Count == k)
                {
                    heap.TryPeek(out _, out (float Score, int NegRow) w);
                    weakestScore = w.Score;
                }
            }
            else if (score > weakestScore)
            {
                heap.EnqueueDequeue(r, (score, -r));
                heap.TryPeek(out _, out (float Score, int NegRow) w);
                weakestScore = w.Score;
            }
        }

        var result = new (int, float)[heap.Count];
        for (int i = result.Length - 1; i >= 0; i--)
        {
            heap.TryDequeue(out int row, out (float Score, int NegRow) p);
            result[i] = (row + rowOffset, p.Score);
        }

        return result;
    }
}
