using System.Text.Json;

namespace AgentRetrieval.Onnx.Encoders.Tokenization;

/// <summary>
/// A tokenizer driven by a Hugging Face <c>tokenizer.json</c>, reproducing what the reference <c>tokenizers</c> library
/// computes for a single sequence: added tokens split off the raw text, then the file's normaliser, pre-tokeniser and
/// model (BPE, byte-level BPE or Unigram) on each part, truncation that keeps the post-processor's special tokens, the
/// special tokens, and padding to a fixed length.
/// </summary>
/// <remarks>Thread-safe: immutable apart from a concurrent cache.</remarks>
public sealed class HfTokenizer
{
    private readonly INormalizer? _normalizer;
    private readonly IPreTokenizer? _preTokenizer;
    private readonly ITokenModel _model;
    private readonly TemplatePostProcessor _post;
    private readonly AddedToken[] _raw;
    private readonly AddedToken[] _normalizedAdded;
    private readonly AddedToken[] _added;

    private HfTokenizer(INormalizer? normalizer, IPreTokenizer? preTokenizer, ITokenModel model, TemplatePostProcessor post,
        AddedToken[] added, int? maxLength, int? padLength, int padId, string source)
    {
        _normalizer = normalizer;
        _preTokenizer = preTokenizer;
        _model = model;
        _post = post;
        _added = added;
        _raw = [.. added.Where(a => !a.Normalized && a.Content.Length > 0).OrderByDescending(a => a.Content.Length)];
        _normalizedAdded = [.. added.Where(a => a.Normalized && a.Content.Length > 0).OrderByDescending(a => a.Content.Length)];
        MaxLength = maxLength;
        PadLength = padLength;
        PadId = padId;
        Source = source;
    }

    /// <summary>The most tokens a sequence keeps, special tokens included; null: no truncation.</summary>
    public int? MaxLength { get; private init; }

    /// <summary>The fixed length every sequence is padded to; null: no padding.</summary>
    public int? PadLength { get; private init; }

    /// <summary>The padding id.</summary>
    public int PadId { get; private init; }

    /// <summary>The file it was read from.</summary>
    public string Source { get; }

    /// <summary>How many special tokens the post-processor adds to a single sequence.</summary>
    public int SpecialTokenCount => _post.AddedCount;

    /// <summary>Reads a <c>tokenizer.json</c>; its own truncation and padding settings apply until replaced with <see cref="WithLength"/>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The tokenizer.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not valid JSON or uses a component this implementation does not have (named in the message).</exception>
    public static HfTokenizer FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The tokenizer file '{path}' does not exist.", path);
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 256 });
            return TokenizerJsonReader.Read(doc.RootElement, (n, p, m, post, added, max, pad, padId) => new HfTokenizer(n, p, m, post, added, max, pad, padId, path));
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is InvalidDataException or InvalidOperationException or KeyNotFoundException or FormatException or ArgumentException or IndexOutOfRangeException)
        {
            throw new InvalidDataException($"'{path}' is not a tokenizer.json this program reads: {ex.Message}", ex);
        }
    }

    /// <summary>The same tokenizer truncating to <paramref name="maxLength"/> and padding to <paramref name="padLength"/> with <paramref name="padId"/>.</summary>
    /// <param name="maxLength">The most tokens, special tokens included; null: none.</param>
    /// <param name="padLength">Pad every sequence to this length; null: no padding.</param>
    /// <param name="padId">The padding id; null keeps the current one.</param>
    /// <returns>A new tokenizer sharing this one's tables.</returns>
    public HfTokenizer WithLength(int? maxLength, int? padLength, int? padId = null)
    {
        if (maxLength is int m)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(m, SpecialTokenCount + 1, nameof(maxLength));
        }

        return new HfTokenizer(_normalizer, _preTokenizer, _model, _post, _added, maxLength, padLength, padId ?? PadId, Source);
    }

    /// <summary>The id of a token of the vocabulary or of the added tokens, or null.</summary>
    /// <param name="token">The token's text.</param>
    /// <returns>The id, or null.</returns>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        foreach (AddedToken a in _added)
        {
            if (a.Content == token)
            {
                return a.Id;
            }
        }

        return _model.TokenToId(token);
    }

    /// <summary>Tokenizes <paramref name="text"/>: content ids truncated to leave room for the special tokens, the special tokens, padding.</summary>
    /// <param name="text">Any text; null counts as empty.</param>
    /// <returns>The ids and attention mask.</returns>
    public TokenizedText Encode(string? text)
    {
        List<int> content = EncodeContent(text ?? "");
        bool truncated = false;
        if (MaxLength is int max && content.Count > max - _post.AddedCount)
        {
            content.RemoveRange(max - _post.AddedCount, content.Count - (max - _post.AddedCount));
            truncated = true;
        }

        var ids = new List<int>(Math.Max(PadLength ?? 0, content.Count + _post.AddedCount));
        ids.AddRange(_post.Before);
        ids.AddRange(content);
        ids.AddRange(_post.After);
        int real = ids.Count;
        if (PadLength is int pad)
        {
            while (ids.Count < pad)
            {
                ids.Add(PadId);
            }
        }

        int[] mask = new int[ids.Count];
        mask.AsSpan(0, real).Fill(1);
        return new TokenizedText([.. ids], mask, truncated);
    }

    /// <summary>The content token ids of <paramref name="text"/>, without special tokens, truncation or padding.</summary>
    /// <param name="text">Any text.</param>
    /// <returns>The ids.</returns>
    public List<int> EncodeContent(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        int start = 0;
        bool first = true;
        while (start <= text.Length)
        {
            (int at, _, int id, int segmentEnd, int resume) = FindAdded(_raw, text, start);
            EncodeSegment(text[start..segmentEnd], first, ids);
            first = false;
            if (at < 0)
            {
                break;
            }

            ids.Add(id);
            start = resume;
        }

        return ids;
    }

    private void EncodeSegment(string segment, bool first, List<int> ids)
    {
        if (segment.Length == 0)
        {
            return;
        }

        string normalized = _normalizer?.Normalize(segment) ?? segment;
        if (normalized.Length == 0)
        {
            return;
        }

        // Added tokens that are matched on normalised text split it again; the rest is pre-tokenised and tokenized.
        int start = 0;
        while (start <= normalized.Length)
        {
            (int at, _, int id, int partEnd, int resume) = FindAdded(_normalizedAdded, normalized, start);
            string part = normalized[start..partEnd];
            if (part.Length > 0)
            {
                List<string> pieces = _preTokenizer?.PreTokenize([part], first && start == 0) ?? [part];
                foreach (string piece in pieces)
                {
                    _model.Tokenize(piece, ids);
                }
            }

            if (at < 0)
            {
                break;
            }

            ids.Add(id);
            start = resume;
        }
    }

    /// <summary>The leftmost-longest added token at or after <paramref name="start"/>, with lstrip/rstrip applied.</summary>
    private static (int At, int Length, int Id, int SegmentEnd, int Resume) FindAdded(AddedToken[] tokens, string text, int start)
    {
        int bestAt = -1, bestLength = 0, bestIndex = -1;
        for (int k = 0; k < tokens.Length; k++)
        {
            int at = text.IndexOf(tokens[k].Content, start, StringComparison.Ordinal);
            if (at >= 0 && (bestAt < 0 || at < bestAt || (at == bestAt && tokens[k].Content.Length > bestLength)))
            {
                (bestAt, bestLength, bestIndex) = (at, tokens[k].Content.Length, k);
            }
        }

        if (bestAt < 0)
        {
            return (-1, 0, 0, text.Length, text.Length + 1);
        }

        int segmentEnd = bestAt, resume = bestAt + bestLength;
        if (tokens[bestIndex].LStrip)
        {
            while (segmentEnd > start && char.IsWhiteSpace(text[segmentEnd - 1]))
            {
                segmentEnd--;
            }
        }

        if (tokens[bestIndex].RStrip)
        {
            while (resume < text.Length && char.IsWhiteSpace(text[resume]))
            {
                resume++;
            }
        }

        return (bestAt, bestLength, tokens[bestIndex].Id, segmentEnd, resume);
    }
}
