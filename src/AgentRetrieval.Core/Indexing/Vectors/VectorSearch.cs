using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

    /// <summary>Rows the prefix stage counts for its threshold, at least (every <c>n / SampledRows</c>-th row, up to every <see cref="MaxStride"/>-th).</summary>
    private const int SampledRows = 65_536;

    /// <summary>Counts at least every 16th row's prefix distance.</summary>
    private const int MaxStride = 16;

    /// <summary>How many rows per shortlisted row the prefix stage passes to the whole-code stage.</summary>
    private const int WideFactor = 16;

    /// <summary>How many random rows ahead a scan asks the memory for (their cache misses overlap instead of queueing).</summary>
    private const int PrefetchAhead = 24;

    /// <summary>How many rows ahead the exact re-score asks for a float16 row (1 KB at 512 dimensions: 16 cache lines).</summary>
    private const int RowPrefetchAhead = 8;

    /// <summary>Exact cosine of every (allowed) row.</summary>
    public static unsafe (int Row, float Score)[] Exact(VectorView view, int[] fileRows, ReadOnlySpan<float> query, int k, bool[]? mask) =>
        view.BuiltHalfColumns(fileRows) is { } rows
            ? Exact(new ColumnHalfRows(rows), fileRows.Length, query, k, mask)
            : Exact(new FileHalfRows(view.VectorsPointer, fileRows, view.Dimensions), fileRows.Length, query, k, mask);

    private static (int Row, float Score)[] Exact<TRows>(TRows rows, int n, ReadOnlySpan<float> query, int k, bool[]? mask)
        where TRows : struct, IHalfRows
    {
        float[] q = query.ToArray();
        return Merge(Run(Parts(n, RowsPerPart), (start, end) => ScanExact(rows, q, k, mask, start, end)), k);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe (int Row, float Score)[] ScanExact<TRows>(TRows rows, float[] q, int k, bool[]? mask, int start, int end)
        where TRows : struct, IHalfRows
    {
        var top = new TopK.Keeper(k);
        int dims = rows.Dimensions;
        for (int r = start; r < end; r++)
        {
            if (mask is null || mask[r])
            {
                top.Offer(r, HalfDot.Dot(new ReadOnlySpan<Half>(rows.Row(r), dims), q));
            }
        }

        return top.Sorted();
    }


    /// <summary>
    /// Four stages, each on fewer rows with more information: the first 128 bits of every (allowed) code, where memory
    /// and popcounts are cheapest; the whole code of about the <c>16 × shortlist</c> nearest (a threshold judged from every
    /// 16th row's prefix at a million rows, exact below 65,536); the query's own values against
    /// the codes of the <paramref name="shortlist"/> nearest of those (an asymmetric estimate: the sum of the centred
    /// query over the dimensions a code says lie above the centre, far closer to the cosine than a Hamming distance);
    /// exact float16 scores of the best half of those.
    /// </summary>
    /// <param name="view">The mapped rows.</param>
    /// <param name="fileRows">The snapshot's rows: where each lives in the files.</param>
    /// <param name="query">The unit query.</param>
    /// <param name="centre">The centre the codes were taken around.</param>
    /// <param name="k">How many results.</param>
    /// <param name="shortlist">Rows the asymmetric estimate ranks; half of them (at least <paramref name="k"/>) are scored exactly.</param>
    /// <param name="mask">The rows a filter allows, or null.</param>
    /// <param name="stages">Receives how long each stage took.</param>
    public static unsafe (int Row, float Score)[] Shortlisted(VectorView view, int[] fileRows, ReadOnlySpan<float> query, ReadOnlySpan<float> centre, int k, int shortlist, bool[]? mask, out ShortlistStages stages) =>
        view.BuiltColumns(fileRows) is { } columns
            ? Shortlisted(new ColumnCodeRows(columns), view, fileRows, query, centre, k, shortlist, mask, out stages)
            : Shortlisted(new FileCodeRows(view.CodesPointer, fileRows, view.CodeWords), view, fileRows, query, centre, k, shortlist, mask, out stages);

    private static unsafe (int Row, float Score)[] Shortlisted<TCodes>(TCodes columns, VectorView view, int[] fileRows, ReadOnlySpan<float> query, ReadOnlySpan<float> centre, int k, int shortlist, bool[]? mask, out ShortlistStages stages)
        where TCodes : struct, ICodeRows
    {
        long start = Stopwatch.GetTimestamp();
        ulong[] q = new ulong[view.CodeWords];
        VectorFiles.Encode(query, centre, q);
        int n = fileRows.Length;

        // Stage 1: prefix distances of every row, and a histogram per part of every stride-th row's to find the threshold
        // without sorting (counting every row cost as much as computing the distances; a sample of 1 in 16 judges a
        // threshold near 35,000 rows to within a few hundred).
        int candidates = mask is null ? n : mask.AsSpan().Count(true);
        shortlist = Math.Min(Math.Max(shortlist, k), candidates);
        int wideCount = Math.Min(candidates, WideFactor * shortlist);
        int stride = Math.Clamp(n / SampledRows, 1, MaxStride);
        byte[] distances = System.Buffers.ArrayPool<byte>.Shared.Rent(n);
        (int Start, int End)[] parts = Parts(n, RowsPerPart);
        int[][] histograms = Run(parts, (from, to) => ScanPrefix(columns, q, mask, distances, from, to, stride));
        long afterPrefix = Stopwatch.GetTimestamp();

        // Stage 2: each part picks its rows under the prefix threshold and its share of those at it, and reads their
        // whole codes at once.
        (int threshold, int[] tiedTaken) = SampledThreshold(histograms, stride, wideCount, candidates);
        int bits = (view.CodeWords * 64) + 1;
        (int[] Rows, ushort[] Distances, int[] Histogram)[] picked = Run(parts.Length, p =>
        {
            int[] buffer = System.Buffers.ArrayPool<int>.Shared.Rent(parts[p].End - parts[p].Start);
            int count = PickRows(distances, parts[p].Start, parts[p].End, threshold, tiedTaken[p], buffer);
            int[] rows = buffer[..count];
            System.Buffers.ArrayPool<int>.Shared.Return(buffer);
            (ushort[] measured, int[] histogram) = Measure(columns, q, rows, bits);
            return (rows, measured, histogram);
        });
        System.Buffers.ArrayPool<byte>.Shared.Return(distances);
        int[] fullHistogram = new int[bits];
        int wide = 0;
        foreach ((int[] rows, _, int[] h) in picked)
        {
            wide += rows.Length;
            for (int b = 0; b < fullHistogram.Length; b++)
            {
                fullHistogram[b] += h[b];
            }
        }

        // Selected across the parts in place: joining them first (35,000 rows through an enumerator, twice) cost more
        // than the selection.
        int[] nearest = Select([.. picked.Select(x => (x.Rows, x.Distances))], fullHistogram, shortlist);
        long afterCodes = Stopwatch.GetTimestamp();

        // Stage 3: the asymmetric estimate keeps the best half.
        int[] best = Estimate(columns, query, centre, nearest, Math.Max(k, shortlist / 2));
        long afterEstimate = Stopwatch.GetTimestamp();

        // Stage 4: exact scores.
        (int Row, float Score)[] result = view.BuiltHalfColumns(fileRows) is { } halves
            ? Rescore(new ColumnHalfRows(halves), query, k, best)
            : Rescore(new FileHalfRows(view.VectorsPointer, fileRows, view.Dimensions), query, k, best);
        long end = Stopwatch.GetTimestamp();
        stages = new ShortlistStages(
            Stopwatch.GetElapsedTime(start, afterPrefix).TotalMilliseconds,
            Stopwatch.GetElapsedTime(afterPrefix, afterCodes).TotalMilliseconds,
            Stopwatch.GetElapsedTime(afterCodes, afterEstimate).TotalMilliseconds,
            Stopwatch.GetElapsedTime(afterEstimate, end).TotalMilliseconds,
            wide,
            nearest.Length,
            best.Length);
        return result;
    }

    /// <summary>
    /// The prefix distance under which rows pass, and how many rows exactly at it each part passes (in row order, as
    /// one sequential pass would): <paramref name="count"/> rows in all.
    /// </summary>
    internal static (int Threshold, int[] TiedTaken) Threshold(int[] total, int[][] parts, int count)
    {
        int threshold = 0, taken = 0;
        while (threshold < total.Length - 2 && taken + total[threshold] < count)
        {
            taken += total[threshold++];
        }

        int atThreshold = Math.Max(0, count - taken);
        int[] tied = new int[parts.Length];
        for (int p = 0; p < parts.Length; p++)
        {
            tied[p] = Math.Min(parts[p][threshold], atThreshold);
            atThreshold -= tied[p];
        }

        return (threshold, tied);
    }

    /// <summary>
    /// The rows of one part under the threshold, and the first <paramref name="tiedTaken"/> at it: 32 prefix distances
    /// are compared at a time, since the rows that pass are a few percent.
    /// </summary>
    /// <param name="distances">Every row's prefix distance.</param>
    /// <param name="start">The part's first row.</param>
    /// <param name="end">The row after its last.</param>
    /// <param name="threshold">Rows under it pass.</param>
    /// <param name="tiedTaken">How many rows at it pass.</param>
    /// <param name="rows">Receives the rows (room for the part's every row).</param>
    /// <returns>How many rows it took.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe int PickRows(byte[] distances, int start, int end, int threshold, int tiedTaken, Span<int> rows)
    {
        int found = 0;
        fixed (byte* d = distances)
        {
            int r = start;
            if (Vector256.IsHardwareAccelerated && threshold < 255)
            {
                // Unsigned bytes: d <= threshold exactly when max(d, threshold) == threshold.
                Vector256<byte> limit = Vector256.Create((byte)threshold);
                for (; r + 32 <= end; r += 32)
                {
                    uint hits = Vector256.Equals(Vector256.Max(Vector256.Load(d + r), limit), limit).ExtractMostSignificantBits();
                    while (hits != 0)
                    {
                        int i = r + BitOperations.TrailingZeroCount(hits);
                        hits &= hits - 1;
                        if (d[i] < threshold || tiedTaken-- > 0)
                        {
                            rows[found++] = i;
                        }
                    }
                }
            }

            for (; r < end; r++)
            {
                if (d[r] < threshold || (d[r] == threshold && tiedTaken-- > 0))
                {
                    rows[found++] = r;
                }
            }
        }

        return found;
    }

    /// <summary>
    /// The prefix distance under which rows pass and how many rows at it each part passes, judged from histograms of
    /// every <paramref name="stride"/>-th row so that about <paramref name="count"/> rows pass: exactly those of
    /// <see cref="Threshold"/> when every row was counted; otherwise each part passes its share of the estimated rows
    /// at the threshold, in proportion to its sampled ones (the last bucket counts rows a filter excludes). Every allowed
    /// row when <paramref name="count"/> reaches <paramref name="candidates"/>.
    /// </summary>
    internal static (int Threshold, int[] TiedTaken) SampledThreshold(int[][] parts, int stride, int count, int candidates)
    {
        int buckets = parts[0].Length;
        if (count >= candidates)
        {
            return (buckets - 2, [.. parts.Select(_ => int.MaxValue)]); // every allowed row
        }

        int[] total = new int[buckets];
        foreach (int[] h in parts)
        {
            for (int i = 0; i < buckets; i++)
            {
                total[i] += h[i];
            }
        }

        if (stride == 1)
        {
            return Threshold(total, parts, count);
        }

        int threshold = 0;
        long below = 0;
        while (threshold < buckets - 2 && (below + total[threshold]) * stride < count)
        {
            below += total[threshold++];
        }

        long wanted = Math.Max(0, count - (below * stride)); // rows to take at the threshold
        int[] tied = new int[parts.Length];
        for (int p = 0; p < parts.Length; p++)
        {
            tied[p] = total[threshold] == 0 ? 0 : (int)Math.Min(int.MaxValue, wanted * parts[p][threshold] / total[threshold]);
        }

        return (threshold, tied);
    }

    /// <summary>Hamming distances of the rows' whole codes to the query's, each code asked for ahead of its use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe (ushort[] Distances, int[] Histogram) Measure<TCodes>(TCodes columns, ulong[] q, int[] rows, int buckets)
        where TCodes : struct, ICodeRows
    {
        int count = rows.Length, words = columns.Words;
        ushort[] full = new ushort[count];
        int[] histogram = new int[buckets];
        fixed (ulong* qw = q)
        {
            for (int i = 0; i < count; i++)
            {
                if (i + PrefetchAhead < count && Sse.IsSupported)
                {
                    Sse.Prefetch0(columns.Code(rows[i + PrefetchAhead]));
                }

                ulong* c = columns.Code(rows[i]);
                int dist = 0;
                int w = 0;
                for (; w + 4 <= words; w += 4)
                {
                    dist += BitOperations.PopCount(c[w] ^ qw[w]) + BitOperations.PopCount(c[w + 1] ^ qw[w + 1])
                        + BitOperations.PopCount(c[w + 2] ^ qw[w + 2]) + BitOperations.PopCount(c[w + 3] ^ qw[w + 3]);
                }

                for (; w < words; w++)
                {
                    dist += BitOperations.PopCount(c[w] ^ qw[w]);
                }

                full[i] = (ushort)dist;
                histogram[dist]++;
            }
        }

        return (full, histogram);
    }

    /// <summary>
    /// The <paramref name="count"/> rows whose codes best agree with the query's values: for code bits b (1 where the
    /// row lies above the centre) the estimate is Σ (q − centre)·(2b − 1), read a byte of the code at a time from a
    /// table of the 256 sums each byte can select. Ties by row; the result is in row order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe int[] Estimate<TCodes>(TCodes columns, ReadOnlySpan<float> query, ReadOnlySpan<float> centre, int[] rows, int count)
        where TCodes : struct, ICodeRows
    {
        count = Math.Min(count, rows.Length);
        if (count == rows.Length)
        {
            return rows;
        }

        int bytes = columns.Words * 8;
        float[] table = new float[bytes * 256];
        for (int b = 0; b < bytes; b++)
        {
            // table[v] = table[v without its lowest bit] + the centred query at that bit's dimension.
            Span<float> t = table.AsSpan(b * 256, 256);
            for (int v = 1; v < 256; v++)
            {
                int dim = (b * 8) + BitOperations.TrailingZeroCount(v);
                t[v] = t[v & (v - 1)] + (dim < query.Length ? query[dim] - centre[dim] : 0f);
            }
        }

        // One sortable key per row: the estimate's order-preserving bits (inverted: best first), then the row.
        ulong[] keys = new ulong[rows.Length];
        _ = Run(Parts(rows.Length, 1_024), (start, end) => EstimatePart(columns, table, rows, keys, start, end));
        Array.Sort(keys);
        int[] best = new int[count];
        for (int i = 0; i < count; i++)
        {
            best[i] = (int)(uint)keys[i];
        }

        Array.Sort(best); // row order reads the float16 rows in file order
        return best;
    }

    /// <summary>The sortable keys of rows <paramref name="start"/> to <paramref name="end"/>: the estimate's order-preserving bits, inverted, then the row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe bool EstimatePart<TCodes>(TCodes columns, float[] table, int[] rows, ulong[] keys, int start, int end)
        where TCodes : struct, ICodeRows
    {
        int bytes = columns.Words * 8;
        fixed (float* t = table)
        {
            for (int i = start; i < end; i++)
            {
                if (i + PrefetchAhead < end && Sse.IsSupported)
                {
                    Sse.Prefetch0(columns.Code(rows[i + PrefetchAhead]));
                }

                byte* c = (byte*)columns.Code(rows[i]);
                float s0 = 0, s1 = 0;
                int b = 0;
                for (; b + 1 < bytes; b += 2)
                {
                    s0 += t[(b * 256) + c[b]];
                    s1 += t[((b + 1) * 256) + c[b + 1]];
                }

                for (; b < bytes; b++)
                {
                    s0 += t[(b * 256) + c[b]];
                }

                keys[i] = ((ulong)~OrderedBits(s0 + s1) << 32) | (uint)rows[i];
            }
        }

        return true;
    }

    /// <summary>A float's bits as an unsigned number in the float's order (negative numbers flipped whole, others their sign bit set).</summary>
    private static uint OrderedBits(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(float.IsNaN(value) ? float.NegativeInfinity : value);
        return (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
    }

    /// <summary>Exact float16 scores of the given rows, best <paramref name="k"/>.</summary>
    private static (int Row, float Score)[] Rescore<TRows>(TRows source, ReadOnlySpan<float> query, int k, int[] rows)
        where TRows : struct, IHalfRows
    {
        float[] qf = query.ToArray();
        return Merge(Run(Parts(rows.Length, 512), (start, end) => RescorePart(source, qf, k, rows, start, end)), k);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe (int Row, float Score)[] RescorePart<TRows>(TRows source, float[] query, int k, int[] rows, int start, int end)
        where TRows : struct, IHalfRows
    {
        int dims = source.Dimensions;
        var top = new TopK.Keeper(k);
        for (int i = start; i < end; i++)
        {
            if (i + RowPrefetchAhead < end)
            {
                Prefetch(source.Row(rows[i + RowPrefetchAhead]), dims * 2);
            }

            top.Offer(rows[i], HalfDot.Dot(new ReadOnlySpan<Half>(source.Row(rows[i]), dims), query));
        }

        return top.Sorted();
    }

    /// <summary>Asks for the cache lines of <paramref name="bytes"/> bytes ahead of their use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch(void* start, int bytes)
    {
        if (Sse.IsSupported)
        {
            for (int offset = 0; offset < bytes; offset += 64)
            {
                Sse.Prefetch0((byte*)start + offset);
            }
        }
    }

    /// <summary>
    /// The rows of the <paramref name="count"/> smallest distances (ties by row) over parts that hold consecutive rows in
    /// order, from the distances' histogram: the same rows as one selection over the parts joined.
    /// </summary>
    internal static int[] Select<T>((int[] Rows, T[] Distances)[] parts, int[] histogram, int count)
        where T : struct, IBinaryInteger<T>
    {
        int threshold = 0, taken = 0;
        while (threshold < histogram.Length - 1 && taken + histogram[threshold] < count)
        {
            taken += histogram[threshold++];
        }

        int[] rows = new int[count];
        int found = 0, atThreshold = count - taken;
        foreach ((int[] partRows, T[] distances) in parts)
        {
            for (int i = 0; i < distances.Length && found < count; i++)
            {
                int d = int.CreateTruncating(distances[i]);
                if (d < threshold || (d == threshold && atThreshold-- > 0))
                {
                    rows[found++] = partRows[i];
                }
            }
        }

        return rows;
    }

    /// <summary>The rows of the <paramref name="count"/> smallest distances (ties by row), from the distances' histogram.</summary>
    internal static int[] Select<T>(T[] distances, int[] histogram, int count)
        where T : struct, IBinaryInteger<T>
    {
        int threshold = 0, taken = 0;
        while (threshold < histogram.Length - 1 && taken + histogram[threshold] < count)
        {
            taken += histogram[threshold++];
        }

        int[] rows = new int[count];
        int found = 0, atThreshold = count - taken;
        for (int r = 0; r < distances.Length && found < count; r++)
        {
            int d = int.CreateTruncating(distances[r]);
            if (d < threshold || (d == threshold && atThreshold-- > 0))
            {
                rows[found++] = r;
            }
        }

        return rows;
    }

    // The scans run once in a fresh process: compiled optimised at once rather than through the unoptimised first tier.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe int[] ScanPrefix<TCodes>(TCodes columns, ulong[] q, bool[]? mask, byte[] distances, int start, int end, int stride)
        where TCodes : struct, ICodeRows
    {
        int prefixWords = columns.PrefixWords;
        int buckets = (prefixWords * 64) + 2, excluded = buckets - 1;
        ulong q0 = q[0], q1 = prefixWords > 1 ? q[1] : 0;
        fixed (byte* dist = distances)
        {
            // Two popcounts and a byte per row; a filter's excluded rows get the last bucket.
            if (mask is null && prefixWords > 1)
            {
                for (int r = start; r < end; r++)
                {
                    ulong* c = columns.Prefix(r);
                    dist[r] = (byte)(BitOperations.PopCount(c[0] ^ q0) + BitOperations.PopCount(c[1] ^ q1));
                }
            }
            else
            {
                for (int r = start; r < end; r++)
                {
                    ulong* c = columns.Prefix(r);
                    dist[r] = mask is not null && !mask[r] ? (byte)excluded
                        : (byte)(BitOperations.PopCount(c[0] ^ q0) + (prefixWords > 1 ? BitOperations.PopCount(c[1] ^ q1) : 0));
                }
            }

            // Every stride-th row (counted from row 0, so the sample does not depend on how the rows were split).
            int[] histogram = new int[buckets];
            for (int r = (start + stride - 1) / stride * stride; r < end; r += stride)
            {
                histogram[dist[r]]++;
            }

            return histogram;
        }
    }

    private static (int Start, int End)[] Parts(int n, int minimumPerPart)
    {
        int parts = Math.Clamp(n / minimumPerPart, 1, Environment.ProcessorCount);
        return [.. Enumerable.Range(0, parts).Select(p => ((int)((long)n * p / parts), (int)((long)n * (p + 1) / parts)))];
    }

    /// <summary>Runs one piece of work per part, the parts on separate cores.</summary>
    private static T[] Run<T>((int Start, int End)[] parts, Func<int, int, T> work) => Run(parts.Length, p => work(parts[p].Start, parts[p].End));

    private static T[] Run<T>(int parts, Func<int, T> work)
    {
        if (parts == 1)
        {
            return [work(0)];
        }

        var results = new T[parts];
        Parallel.For(0, parts, p => results[p] = work(p));
        return results;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int Row, float Score)[] Merge((int Row, float Score)[][] parts, int k)
    {
        if (parts.Length == 1)
        {
            return parts[0];
        }

        var top = new TopK.Keeper(k);
        foreach ((int Row, float Score)[] part in parts)
        {
            foreach ((int row, float score) in part)
            {
                top.Offer(row, score);
            }
        }

        return top.Sorted();
    }
}
