using System.Text;

namespace AgentRetrieval.Onnx.Encoders.Tokenization;

/// <summary>
/// <c>Unigram</c>, as the reference runs it: the best-scoring segmentation by Viterbi over every vocabulary piece that
/// starts at each character (ties keep the shorter piece found first), a character no piece covers scored as the
/// unknown token (lowest score − 10), adjacent unknown pieces fused, and with <c>byte_fallback</c> unknown pieces spelled
/// as byte tokens.
/// </summary>
/// <remarks>Thread-safe: immutable.</remarks>
internal sealed class UnigramModel : ITokenModel
{
    private const double UnknownPenalty = 10.0;

    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly double[] _scores;
    private readonly int _unkId;
    private readonly bool _byteFallback;
    private readonly int _maxPieceChars;
    private readonly double _unkScore;

    public UnigramModel(IReadOnlyList<(string Piece, double Score)> vocab, int? unkId, bool byteFallback)
    {
        _ids = new Dictionary<string, int>(vocab.Count, StringComparer.Ordinal);
        _scores = new double[vocab.Count];
        double min = double.MaxValue;
        for (int i = 0; i < vocab.Count; i++)
        {
            _ids.TryAdd(vocab[i].Piece, i);
            _scores[i] = vocab[i].Score;
            min = Math.Min(min, vocab[i].Score);
            _maxPieceChars = Math.Max(_maxPieceChars, vocab[i].Piece.Length);
        }

        _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
        if (unkId is not int unk || unk < 0 || unk >= vocab.Count)
        {
            throw new InvalidDataException("The Unigram model has no valid unk_id.");
        }

        _unkId = unk;
        _byteFallback = byteFallback;
        _unkScore = (vocab.Count == 0 ? 0 : min) - UnknownPenalty;
    }

    public int? TokenToId(string token) => _ids.TryGetValue(token, out int id) ? id : null;

    public void Tokenize(string piece, List<int> ids)
    {
        if (piece.Length == 0)
        {
            return;
        }

        int n = piece.Length;
        double[] best = new double[n + 1];
        int[] startsAt = new int[n + 1];
        int[] tokenId = new int[n + 1];
        Array.Fill(startsAt, -1);
        int start = 0;
        while (start < n)
        {
            int charLength = char.IsHighSurrogate(piece[start]) && start + 1 < n && char.IsLowSurrogate(piece[start + 1]) ? 2 : 1;
            double here = best[start];
            bool single = false;
            int limit = Math.Min(n - start, _maxPieceChars);
            for (int length = 1; length <= limit; length++)
            {
                // A piece never ends inside a surrogate pair.
                if (start + length < n && char.IsLowSurrogate(piece[start + length]) && char.IsHighSurrogate(piece[start + length - 1]))
                {
                    continue;
                }

                if (!_lookup.TryGetValue(piece.AsSpan(start, length), out int id))
                {
                    continue;
                }

                double candidate = here + _scores[id];
                int end = start + length;
                if (startsAt[end] < 0 || candidate > best[end])
                {
                    best[end] = candidate;
                    startsAt[end] = start;
                    tokenId[end] = id;
                }

                single |= length == charLength;
            }

            if (!single)
            {
                int end = start + charLength;
                double candidate = here + _unkScore;
                if (startsAt[end] < 0 || candidate > best[end])
                {
                    best[end] = candidate;
                    startsAt[end] = start;
                    tokenId[end] = _unkId;
                }
            }

            start += charLength;
        }

        var pieces = new List<(int Start, int End, int Id)>();
        int at = n;
        while (at > 0)
        {
            int s = startsAt[at];
            if (tokenId[at] == _unkId && pieces.Count > 0 && pieces[^1].Id == _unkId)
            {
                pieces[^1] = (s, pieces[^1].End, _unkId);
            }
            else
            {
                pieces.Add((s, at, tokenId[at]));
            }

            at = s;
        }

        for (int k = pieces.Count - 1; k >= 0; k--)
        {
            (int s, int e, int id) = pieces[k];
            if (id != _unkId || !_byteFallback)
            {
                ids.Add(id);
                continue;
            }

            byte[] bytes = Encoding.UTF8.GetBytes(piece[s..e]);
            int?[] byteIds = [.. bytes.Select(b => TokenToId($"<0x{b:X2}>"))];
            if (byteIds.All(x => x is not null))
            {
                ids.AddRange(byteIds.Select(x => x!.Value));
            }
            else
            {
                ids.Add(_unkId);
            }
        }
    }
}
