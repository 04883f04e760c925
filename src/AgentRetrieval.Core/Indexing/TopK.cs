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

        var keeper = new Keeper(k);
        for (int r = 0; r < rows; r++)
        {
            keeper.Offer(r + rowOffset, TensorPrimitives.Dot(matrix.Slice(r * dimensions, dimensions), query));
        }

        return keeper.Sorted();
    }

    /// <summary>
    /// The best k (row, score) seen, ties by lower row: a min-heap whose root is the weakest kept hit, touched only when a
    /// row beats it, so a scan costs one comparison per row.
    /// </summary>
    internal sealed class Keeper(int k)
    {
        private readonly PriorityQueue<int, (float Score, int NegRow)> _heap = new(k + 1);
        private float _weakest = float.NegativeInfinity;

        public void Offer(int row, float score)
        {
            if (_heap.Count < k)
            {
                _heap.Enqueue(row, (score, -row));
                if (_heap.Count == k)
                {
                    _heap.TryPeek(out _, out (float Score, int NegRow) w);
                    _weakest = w.Score;
                }
            }
            else if (score > _weakest)
            {
                _heap.EnqueueDequeue(row, (score, -row));
                _heap.TryPeek(out _, out (float Score, int NegRow) w);
                _weakest = w.Score;
            }
        }

        public (int Row, float Score)[] Sorted()
        {
            var result = new (int, float)[_heap.Count];
            for (int i = result.Length - 1; i >= 0; i--)
            {
                _heap.TryDequeue(out int row, out (float Score, int NegRow) p);
                result[i] = (row, p.Score);
            }

            return result;
        }
    }
}
