using System.Numerics;
using System.Numerics.Tensors;

namespace AgentRetrieval.Indexing.Binary;

/// <summary>
/// Search with binary codes: a Hamming scan over all codes with hardware popcount picks a shortlist, which is then
/// re-scored exactly with the float vectors. It reads codes (B/8 bytes per vector) plus the shortlist's floats,
/// instead of every float vector.
/// </summary>
/// <remarks>Thread-safe for concurrent searches.</remarks>
public sealed class BinaryShortlistSearcher
{
    private readonly ItqHasher _hasher;
    private readonly ulong[] _codes;
    private readonly ReadOnlyMemory<float> _vectors;

    /// <summary>Creates the searcher.</summary>
    /// <param name="hasher">The fitted hasher.</param>
    /// <param name="codes">The codes of every row (<see cref="ItqHasher.Words"/> words each).</param>
    /// <param name="vectors">The float rows, for re-scoring.</param>
    public BinaryShortlistSearcher(ItqHasher hasher, ulong[] codes, ReadOnlyMemory<float> vectors)
    {
        ArgumentNullException.ThrowIfNull(hasher);
        ArgumentNullException.ThrowIfNull(codes);
        _hasher = hasher;
        _codes = codes;
        _vectors = vectors;
        Count = codes.Length / hasher.Words;
    }

    /// <summary>Rows searched.</summary>
    public int Count { get; }

    /// <summary>Bytes a search reads: all codes plus the shortlist's float rows.</summary>
    /// <param name="shortlist">The shortlist size.</param>
    public long BytesPerQuery(int shortlist) => ((long)_codes.Length * sizeof(ulong)) + ((long)Math.Min(shortlist, Count) * _hasher.Dimensions * sizeof(float));

    /// <summary>The top <paramref name="k"/> rows: Hamming shortlist of <paramref name="shortlist"/>, then exact cosine.</summary>
    /// <param name="query">A unit query vector.</param>
    /// <param name="k">How many.</param>
    /// <param name="shortlist">How many rows to re-score (at least k).</param>
    /// <returns>(row, score) pairs, best first.</returns>
    public (int Row, float Score)[] Search(ReadOnlySpan<float> query, int k, int shortlist)
    {
        int words = _hasher.Words;
        Span<ulong> q = stackalloc ulong[words];
        _hasher.Encode(query, q);
        shortlist = Math.Clamp(Math.Max(shortlist, k), 1, Count);

        // Hamming distances and a histogram, to find the distance threshold of the shortlist in one pass.
        byte[] distances = new byte[Count];
        Span<int> histogram = stackalloc int[_hasher.Bits + 1];
        ReadOnlySpan<ulong> codes = _codes;
        if (words == 1)
        {
            ulong q0 = q[0];
            for (int r = 0; r < Count; r++)
            {
                int d = BitOperations.PopCount(codes[r] ^ q0);
                distances[r] = (byte)Math.Min(d, 255);
                histogram[d]++;
            }
        }
        else
        {
            for (int r = 0; r < Count; r++)
            {
                int d = ItqHasher.Distance(codes.Slice(r * words, words), q);
                distances[r] = (byte)Math.Min(d, 255);
                histogram[d]++;
            }
        }

        int threshold = 0, taken = 0;
        while (threshold <= _hasher.Bits && taken + histogram[threshold] < shortlist)
        {
            taken += histogram[threshold++];
        }

        int[] rows = new int[shortlist];
        int n = 0, atThreshold = shortlist - taken;
        for (int r = 0; r < Count && n < shortlist; r++)
        {
            int d = distances[r];
            if (d < threshold || (d == threshold && atThreshold-- > 0))
            {
                rows[n++] = r;
            }
        }

        // Exact re-scoring of the shortlist.
        int dims = _hasher.Dimensions;
        ReadOnlySpan<float> vectors = _vectors.Span;
        var heap = new PriorityQueue<int, float>(k + 1);
        for (int i = 0; i < n; i++)
        {
            float s = TensorPrimitives.Dot(vectors.Slice(rows[i] * dims, dims), query);
            if (heap.Count < k)
            {
                heap.Enqueue(rows[i], s);
            }
            else if (heap.TryPeek(out _, out float weakest) && s > weakest)
            {
                heap.EnqueueDequeue(rows[i], s);
            }
        }

        var result = new (int, float)[heap.Count];
        for (int i = result.Length - 1; i >= 0; i--)
        {
            heap.TryDequeue(out int row, out float score);
            result[i] = (row, score);
        }

        return result;
    }

    /// <summary>Rows ordered by Hamming distance alone (ties by row), as hashing papers rank.</summary>
    /// <param name="queryCode">The query's code.</param>
    /// <returns>All rows, nearest first.</returns>
    public int[] RankByHamming(ReadOnlySpan<ulong> queryCode)
    {
        int words = _hasher.Words;
        int[] d = new int[Count];
        for (int r = 0; r < Count; r++)
        {
            d[r] = ItqHasher.Distance(_codes.AsSpan(r * words, words), queryCode);
        }

        int[] order = [.. Enumerable.Range(0, Count)];
        Array.Sort(order, (a, b) => d[a] != d[b] ? d[a].CompareTo(d[b]) : a.CompareTo(b));
        return order;
    }
}
