namespace AgentRetrieval.Indexing.Vectors;

/// <summary>
/// Top-k over a <see cref="VectorView"/>: an exact scan of the float16 rows, or a Hamming scan of the binary codes
/// that picks a shortlist which is then scored exactly. Both split the rows across the cores.
/// </summary>
/// <remarks>
/// Rows are the snapshot's (ascending catalogue ids); <c>fileRows[i]</c> says where row i lives in the files.
/// An optional mask limits the search to the rows a filter allows. Results are (row, score), best first, ties by row.
/// </remarks>
internal static class VectorSearch
{
    private const int RowsPerPart = 16_384;

    /// <summary>Exact cosine of every (allowed) row.</summary>
    public static (int Row, float Score)[] Exact(VectorView view, int[] fileRows, ReadOnlySpan<float> query, int k, bool[]? mask)
    {
        float[] q = query.ToArray();
        return Merge(Partitioned(fileRows.Length, (start, end) =>
        {
            var top = new TopKeeper(k);
            float[] scratch = new float[view.Dimensions];
            for (int r = start; r < end; r++)
            {
                if (mask is null || mask[r])
                {
                    top.Offer(r, view.Dot(fileRows[r], q, scratch));
                }
            }

            return top.Sorted();
        }), k);
    }

    /// <summary>
    /// Hamming scan of the codes, then exact scores for the <paramref name="shortlist"/> nearest codes.
    /// </summary>
    public static (int Row, float Score)[] Shortlisted(VectorView view, int[] fileRows, ReadOnlySpan<float> query, ReadOnlySpan<float> centre, int k, int shortlist, bool[]? mask)
    {
        int words = view.CodeWords, bits = view.Dimensions;
        ulong[] q = new ulong[words];
        VectorFiles.Encode(query, centre, q);
        int n = fileRows.Length;
        ushort[] distances = new ushort[n];
        const ushort Excluded = ushort.MaxValue;
        int[][] histograms = Partitioned(n, (start, end) =>
        {
            int[] histogram = new int[bits + 1];
            for (int r = start; r < end; r++)
            {
                if (mask is not null && !mask[r])
                {
                    distances[r] = Excluded;
                    continue;
                }

                int d = view.Distance(fileRows[r], q);
                distances[r] = (ushort)d;
                histogram[d]++;
            }

            return histogram;
        });

        int[] total = new int[bits + 1];
        foreach (int[] h in histograms)
        {
            for (int i = 0; i <= bits; i++)
            {
                total[i] += h[i];
            }
        }

        int candidates = total.Sum();
        shortlist = Math.Min(Math.Max(shortlist, k), candidates);
        int threshold = 0, taken = 0;
        while (threshold <= bits && taken + total[threshold] < shortlist)
        {
            taken += total[threshold++];
        }

        int[] rows = new int[shortlist];
        int count = 0, atThreshold = shortlist - taken;
        for (int r = 0; r < n && count < shortlist; r++)
        {
            int d = distances[r];
            if (d < threshold || (d == threshold && atThreshold-- > 0))
            {
                rows[count++] = r;
            }
        }

        float[] qf = query.ToArray();
        return Merge(Partitioned(count, (start, end) =>
        {
            var top = new TopKeeper(k);
            float[] scratch = new float[view.Dimensions];
            for (int i = start; i < end; i++)
            {
                top.Offer(rows[i], view.Dot(fileRows[rows[i]], qf, scratch));
            }

            return top.Sorted();
        }, minimumPerPart: 2_048), k);
    }

    private static T[] Partitioned<T>(int n, Func<int, int, T> work, int minimumPerPart = RowsPerPart)
    {
        int parts = Math.Clamp(n / minimumPerPart, 1, Environment.ProcessorCount);
        if (parts == 1)
        {
            return [work(0, n)];
        }

        var results = new T[parts];
        Parallel.For(0, parts, p => results[p] = work((int)((long)n * p / parts), (int)((long)n * (p + 1) / parts)));
        return results;
    }

    private static (int Row, float Score)[] Merge((int Row, float Score)[][] parts, int k) =>
        parts.Length == 1 ? parts[0] : [.. parts.SelectMany(p => p).OrderByDescending(x => x.Score).ThenBy(x => x.Row).Take(k)];

    /// <summary>The best k (row, score) seen; the heap is touched only when a row beats the weakest kept.</summary>
    private sealed class TopKeeper(int k)
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
