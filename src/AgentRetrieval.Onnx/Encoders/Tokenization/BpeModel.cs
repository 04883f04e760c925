using System.Collections.Concurrent;
using System.Text;

namespace AgentRetrieval.Onnx.Encoders.Tokenization;

/// <summary>
/// <c>BPE</c>, as the reference runs it: one symbol per character (with the continuing-subword prefix and end-of-word
/// suffix), characters outside the vocabulary as byte tokens <c>&lt;0xXX&gt;</c> with <c>byte_fallback</c> or else the
/// unknown token (runs fused with <c>fuse_unk</c>), then merges applied lowest rank first, leftmost among equals.
/// </summary>
/// <remarks>Thread-safe: the cache is concurrent, everything else immutable.</remarks>
internal sealed class BpeModel : ITokenModel
{
    private const int MaxCached = 50_000;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<(int, int), (int Rank, int NewId)> _merges;
    private readonly int? _unkId;
    private readonly string? _prefix;
    private readonly string? _suffix;
    private readonly bool _byteFallback;
    private readonly bool _fuseUnk;
    private readonly bool _ignoreMerges;
    private readonly int[]? _byteIds;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    public BpeModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges, string? unkToken,
        string? continuingSubwordPrefix, string? endOfWordSuffix, bool byteFallback, bool fuseUnk, bool ignoreMerges)
    {
        _vocab = vocab;
        _prefix = string.IsNullOrEmpty(continuingSubwordPrefix) ? null : continuingSubwordPrefix;
        _suffix = string.IsNullOrEmpty(endOfWordSuffix) ? null : endOfWordSuffix;
        _byteFallback = byteFallback;
        _fuseUnk = fuseUnk;
        _ignoreMerges = ignoreMerges;
        _unkId = unkToken is not null && vocab.TryGetValue(unkToken, out int unk) ? unk : null;
        _merges = new Dictionary<(int, int), (int, int)>(merges.Count);
        int prefixLength = _prefix?.Length ?? 0;
        for (int rank = 0; rank < merges.Count; rank++)
        {
            (string left, string right) = merges[rank];
            if (!vocab.TryGetValue(left, out int a) || !vocab.TryGetValue(right, out int b))
            {
                throw new InvalidDataException($"The BPE merge '{left} {right}' uses a token that is not in the vocabulary.");
            }

            string merged = left + (prefixLength > 0 && right.StartsWith(_prefix!, StringComparison.Ordinal) ? right[prefixLength..] : right);
            if (!vocab.TryGetValue(merged, out int id))
            {
                throw new InvalidDataException($"The BPE merge '{left} {right}' makes '{merged}', which is not in the vocabulary.");
            }

            _merges.TryAdd((a, b), (rank, id));
        }

        if (byteFallback)
        {
            _byteIds = new int[256];
            for (int b = 0; b < 256; b++)
            {
                _byteIds[b] = vocab.TryGetValue($"<0x{b:X2}>", out int id) ? id : -1;
            }
        }
    }

    public int? TokenToId(string token) => _vocab.TryGetValue(token, out int id) ? id : null;

    public void Tokenize(string piece, List<int> ids)
    {
        if (piece.Length == 0)
        {
            return;
        }

        if (_ignoreMerges && _vocab.TryGetValue(piece, out int whole))
        {
            ids.Add(whole);
            return;
        }

        if (_cache.TryGetValue(piece, out int[]? cached))
        {
            ids.AddRange(cached);
            return;
        }

        int[] result = Merge(piece);
        if (_cache.Count < MaxCached)
        {
            _cache.TryAdd(piece, result);
        }

        ids.AddRange(result);
    }

    private int[] Merge(string word)
    {
        var symbols = new List<int>(word.Length);
        int? pendingUnk = null;
        Span<byte> utf8 = stackalloc byte[4];
        int i = 0;
        while (i < word.Length)
        {
            Rune.DecodeFromUtf16(word.AsSpan(i), out Rune rune, out int used);
            bool isFirst = i == 0;
            bool isLast = i + used >= word.Length;
            string s = word.Substring(i, used);
            if (!isFirst && _prefix is not null)
            {
                s = _prefix + s;
            }

            if (isLast && _suffix is not null)
            {
                s += _suffix;
            }

            i += used;
            if (_vocab.TryGetValue(s, out int id))
            {
                if (pendingUnk is int u)
                {
                    symbols.Add(u);
                    pendingUnk = null;
                }

                symbols.Add(id);
                continue;
            }

            if (_byteIds is not null)
            {
                // The reference falls back on the bytes of the symbol as looked up (prefix and suffix included).
                byte[] bytes = Encoding.UTF8.GetBytes(s);
                if (bytes.All(b => _byteIds[b] >= 0))
                {
                    foreach (byte b in bytes)
                    {
                        symbols.Add(_byteIds[b]);
                    }

                    continue;
                }
            }

            if (_unkId is int unk)
            {
                if (pendingUnk is not null && !_fuseUnk)
                {
                    symbols.Add(pendingUnk.Value);
                }

                pendingUnk = unk;
            }
        }

        if (pendingUnk is int last)
        {
            symbols.Add(last);
        }

        return MergeAll(symbols);
    }

    private int[] MergeAll(List<int> ids)
    {
        int n = ids.Count;
        if (n < 2)
        {
            return [.. ids];
        }

        int[] c = [.. ids];
        int[] prev = new int[n], next = new int[n];
        bool[] removed = new bool[n];
        for (int k = 0; k < n; k++)
        {
            prev[k] = k - 1;
            next[k] = k + 1 < n ? k + 1 : -1;
        }

        var queue = new PriorityQueue<(int Pos, int NewId), (int Rank, int Pos)>();
        for (int k = 0; k + 1 < n; k++)
        {
            if (_merges.TryGetValue((c[k], c[k + 1]), out var m))
            {
                queue.Enqueue((k, m.NewId), (m.Rank, k));
            }
        }

        while (queue.TryDequeue(out var top, out _))
        {
            int pos = top.Pos;
            if (removed[pos] || next[pos] < 0)
            {
                continue;
            }

            int right = next[pos];
            if (!_merges.TryGetValue((c[pos], c[right]), out var current) || current.NewId != top.NewId)
            {
                continue;
            }

            c[pos] = top.NewId;
            removed[right] = true;
            next[pos] = next[right];
            if (next[right] >= 0)
            {
                prev[next[right]] = pos;
            }

            if (prev[pos] >= 0 && _merges.TryGetValue((c[prev[pos]], c[pos]), out var before))
            {
                queue.Enqueue((prev[pos], before.NewId), (before.Rank, prev[pos]));
            }

            if (next[pos] >= 0 && _merges.TryGetValue((c[pos], c[next[pos]]), out var after))
            {
                queue.Enqueue((pos, after.NewId), (after.Rank, pos));
            }
        }

        var result = new List<int>(n);
        for (int k = 0; k < n; k++)
        {
            if (!removed[k])
            {
                result.Add(c[k]);
            }
        }

        return [.. result];
    }
}
