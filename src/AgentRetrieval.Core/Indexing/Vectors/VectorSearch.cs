using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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

    /// <summary>How many rows per shortlisted row the prefix stage passes to the whole-code stage.</summary>
    private const int WideFactor = 16;

    /// <summary>How many random rows ahead a scan asks the memory for (their cache misses overlap instead of queueing).</summary>
    private const int PrefetchAhead = 12;

    /// <summary>How many rows ahead the exact re-score asks for a float16 row (1 KB at 512 dimensions: 16 cache lines).</summary>
    private const int RowPrefetchAhead = 2;

    /// <summary>Exact cosine of every (allowed) row.</summary>
    public static (int Row, float Score)[] Exact(VectorView view, int[] fileRows, ReadOnlySpan<float> query, int k, bool[]? mask)
    {
        float[] q = query.ToArray();
        return Merge(Partitioned(fileRows.Length, (start, end) => ScanExact(view, fileRows, q, k, mask, start, end)), k);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int Row, float Score)[] ScanExact(VectorView view, int[] fileRows, float[] q, int k, bool[]? mask, int start, int end)
    {
        var top = new TopK.Keeper(k);
        for (int r = start; r < end; r++)
        {
            if (mask is null || mask[r])
            {
                top.Offer(r, view.Dot(fileRows[r], q));
            }
        }

        return top.Sorted();
    }


    /// <summary>
    /// Three stages, each on fewer rows with more bits: the first 128 bits of every (allowed) code, where memory and
    /// popcounts are cheapest; the whole code of the <c>16 × shortlist</c> nearest; exact float16 scores of the
    /// <paramref name="shortlist"/> nearest of those.
    /// </summary>
    public static (int Row, float Score)[] Shortlisted(VectorView view, int[] fileRows, ReadOnlySpan<float> query, ReadOnlySpan<float> centre, int k, int shortlist, bool[]? mask)
    {
        int words = view.CodeWords, bits = view.Dimensions;
        ulong[] q = new ulong[words];
        VectorFiles.Encode(query, centre, q);
        int n = fileRows.Length;
        int prefixWords = Math.Min(2, words);
        // Stage 1: prefix distances of every row, with a histogram per part to find the threshold without sorting.
        byte[] distances = System.Buffers.ArrayPool<byte>.Shared.Rent(n);
        ulong[]? column = prefixWords == 2 ? view.PrefixColumn(fileRows) : null;
        int[][] histograms = Partitioned(n, (start, end) => ScanPrefix(view, fileRows, q, prefixWords, mask, distances, column, start, end));
        int[] total = new int[(prefixWords * 64) + 2];
        foreach (int[] h in histograms)
        {
            for (int i = 0; i < total.Length; i++)
            {
                total[i] += h[i];
            }
        }

        int candidates = n - total[^1]; // the last bucket counts rows the mask excludes
        shortlist = Math.Min(Math.Max(shortlist, k), candidates);
        int[] wide = SelectBytes(distances, n, total, Math.Min(candidates, WideFactor * shortlist));
        System.Buffers.ArrayPool<byte>.Shared.Return(distances);

        // Stage 2: whole codes of the wide shortlist. Stage 3: exact scores.
        return Rescore(view, fileRows, query, k, Nearest(view, fileRows, q, wide, shortlist, bits));
    }

    /// <summary>The <paramref name="count"/> rows of <paramref name="candidates"/> whose whole codes are nearest the query's.</summary>
    private static int[] Nearest(VectorView view, int[] fileRows, ulong[] q, int[] candidates, int count, int bits)
    {
        // Random reads of whole codes: split across the cores, each with its own histogram.
        ushort[] full = new ushort[candidates.Length];
        int[][] histograms = Partitioned(candidates.Length, (start, end) =>
        {
            int[] h = new int[bits + 2];
            for (int i = start; i < end; i++)
            {
                if (i + PrefetchAhead < end)
                {
                    view.PrefetchCode(fileRows[candidates[i + PrefetchAhead]]);
                }

                int d = view.Distance(fileRows[candidates[i]], q);
                full[i] = (ushort)d;
                h[d]++;
            }

            return h;
        }, minimumPerPart: 4_096);
        int[] fullHistogram = histograms[0];
        for (int p = 1; p < histograms.Length; p++)
        {
            for (int b = 0; b < fullHistogram.Length; b++)
            {
                fullHistogram[b] += histograms[p][b];
            }
        }

        return [.. Select(full, fullHistogram, count).Select(i => candidates[i])];
    }

    /// <summary>Exact float16 scores of the given rows, best <paramref name="k"/>.</summary>
    private static (int Row, float Score)[] Rescore(VectorView view, int[] fileRows, ReadOnlySpan<float> query, int k, int[] rows)
    {
        float[] qf = query.ToArray();
        return Merge(Partitioned(rows.Length, (start, end) =>
        {
            var top = new TopK.Keeper(k);
            for (int i = start; i < end; i++)
            {
                if (i + RowPrefetchAhead < end)
                {
                    view.PrefetchRow(fileRows[rows[i + RowPrefetchAhead]]);
                }

                top.Offer(rows[i], view.Dot(fileRows[rows[i]], qf));
            }

            return top.Sorted();
        }, minimumPerPart: 1_024), k);
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

    /// <summary>
    /// <see cref="Select{T}"/> for byte distances, 32 at a time: the rows below the threshold are a few percent, so whole
    /// vectors of rows that are all above it are skipped with one compare.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe int[] SelectBytes(byte[] distances, int n, int[] histogram, int count)
    {
        int threshold = 0, taken = 0;
        while (threshold < histogram.Length - 1 && taken + histogram[threshold] < count)
        {
            taken += histogram[threshold++];
        }

        int[] rows = new int[count];
        int found = 0, atThreshold = count - taken, r = 0;
        fixed (byte* d = distances)
        {
            if (Vector256.IsHardwareAccelerated && threshold < 255)
            {
                // Unsigned bytes: d <= threshold exactly when max(d, threshold) == threshold.
                Vector256<byte> limit = Vector256.Create((byte)threshold);
                for (; r + 32 <= n && found < count; r += 32)
                {
                    Vector256<byte> v = Vector256.Load(d + r);
                    uint hits = Vector256.Equals(Vector256.Max(v, limit), limit).ExtractMostSignificantBits();
                    while (hits != 0 && found < count)
                    {
                        int i = r + BitOperations.TrailingZeroCount(hits);
                        hits &= hits - 1;
                        if (d[i] < threshold || atThreshold-- > 0)
                        {
                            rows[found++] = i;
                        }
                    }
                }
            }

            for (; r < n && found < count; r++)
            {
                int v = d[r];
                if (v < threshold || (v == threshold && atThreshold-- > 0))
                {
                    rows[found++] = r;
                }
            }
        }

        return rows;
    }

    // The scans run once in a fresh process: compiled optimised at once rather than through the unoptimised first tier.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe int[] ScanPrefix(VectorView view, int[] fileRows, ulong[] q, int prefixWords, bool[]? mask, byte[] distances, ulong[]? column, int start, int end)
    {
        // Four interleaved histograms: consecutive rows with the same distance do not wait on each other's increment.
        int buckets = (prefixWords * 64) + 2, excluded = buckets - 1;
        int[] histograms = new int[4 * buckets];
        int words = q.Length;
        ulong* codes = view.CodesPointer;
        ulong q0 = q[0], q1 = prefixWords > 1 ? q[1] : 0;
        fixed (int* h = histograms)
        fixed (byte* dist = distances)
        fixed (int* rowsOf = fileRows)
        fixed (ulong* prefix = column)
        {
            if (prefix is not null)
            {
                // The contiguous column, in the snapshot's order: 16 bytes a row, read straight through.
                for (int r = start; r < end; r++)
                {
                    ulong* c = prefix + ((long)r * 2);
                    int d = mask is not null && !mask[r] ? excluded : BitOperations.PopCount(c[0] ^ q0) + BitOperations.PopCount(c[1] ^ q1);
                    dist[r] = (byte)d;
                    h[((r & 3) * buckets) + d]++;
                }
            }
            else
            {
                for (int r = start; r < end; r++)
                {
                    ulong* c = codes + ((long)rowsOf[r] * words);
                    int d;
                    if (mask is not null && !mask[r])
                    {
                        d = excluded;
                    }
                    else
                    {
                        d = BitOperations.PopCount(c[0] ^ q0) + (prefixWords > 1 ? BitOperations.PopCount(c[1] ^ q1) : 0);
                    }

                    dist[r] = (byte)d;
                    h[((r & 3) * buckets) + d]++;
                }
            }
        }

        int[] histogram = new int[buckets];
        for (int i = 0; i < 4; i++)
        {
            for (int b = 0; b < buckets; b++)
            {
                histogram[b] += histograms[(i * buckets) + b];
            }
        }

        return histogram;
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
}
