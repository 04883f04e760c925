using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AgentRetrieval.Onnx.Clip;

/// <summary>
/// CLIP's byte-level BPE tokenizer, exactly as the reference <c>tokenizer.json</c> defines it:
/// added special tokens split first, then NFC, whitespace runs collapsed to one space, lower-case,
/// the CLIP split pattern, byte-level mapping, BPE with the <c>&lt;/w&gt;</c> end-of-word suffix,
/// and <c>&lt;|startoftext|&gt;</c> … <c>&lt;|endoftext|&gt;</c> around at most <see cref="MaxLength"/> tokens.
/// </summary>
/// <remarks>Thread-safe: the merge cache is concurrent and everything else is immutable.</remarks>
public sealed class ClipTokenizer
{
    /// <summary>The start-of-text token.</summary>
    public const string StartOfText = "<|startoftext|>";

    /// <summary>The end-of-text token, also used as padding.</summary>
    public const string EndOfText = "<|endoftext|>";

    private const string EndOfWord = "</w>";
    private const int MaxCachedWords = 100_000;

    private static readonly string[] s_contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];
    private static readonly char[] s_byteToChar = BuildByteToChar();

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<(string, string), int> _mergeRanks;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    /// <summary>Creates a tokenizer from a vocabulary and ranked merges.</summary>
    /// <param name="vocab">Token string to id.</param>
    /// <param name="merges">Merge pairs, best (lowest rank) first.</param>
    /// <param name="maxLength">The most tokens a sequence may have, special tokens included.</param>
    /// <exception cref="ArgumentException">The vocabulary lacks the special tokens.</exception>
    public ClipTokenizer(IReadOnlyDictionary<string, int> vocab, IEnumerable<(string Left, string Right)> merges, int maxLength = 77)
    {
        ArgumentNullException.ThrowIfNull(vocab);
        ArgumentNullException.ThrowIfNull(merges);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 3);
        _vocab = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        if (!_vocab.TryGetValue(StartOfText, out int bos) || !_vocab.TryGetValue(EndOfText, out int eos))
        {
            throw new ArgumentException($"The vocabulary has no {StartOfText} or {EndOfText} token.", nameof(vocab));
        }

        StartOfTextId = bos;
        EndOfTextId = eos;
        MaxLength = maxLength;
        _mergeRanks = [];
        int rank = 0;
        foreach ((string left, string right) in merges)
        {
            _mergeRanks.TryAdd((left, right), rank++);
        }
    }

    /// <summary>The id of <see cref="StartOfText"/>.</summary>
    public int StartOfTextId { get; }

    /// <summary>The id of <see cref="EndOfText"/> (also the padding id).</summary>
    public int EndOfTextId { get; }

    /// <summary>The most tokens a sequence may have, special tokens included (77 for CLIP).</summary>
    public int MaxLength { get; }

    /// <summary>The number of tokens in the vocabulary.</summary>
    public int VocabularySize => _vocab.Count;

    /// <summary>
    /// Loads the tokenizer from a model folder: <c>vocab.json</c> + <c>merges.txt</c> when present, else <c>tokenizer.json</c>.
    /// </summary>
    /// <param name="modelDirectory">The model folder.</param>
    /// <param name="maxLength">The most tokens per sequence.</param>
    /// <exception cref="FileNotFoundException">Neither file set is in the folder.</exception>
    /// <exception cref="InvalidDataException">A file is not a valid CLIP tokenizer file.</exception>
    public static ClipTokenizer FromDirectory(string modelDirectory, int maxLength = 77)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelDirectory);
        string vocabPath = Path.Combine(modelDirectory, "vocab.json");
        string mergesPath = Path.Combine(modelDirectory, "merges.txt");
        string tokenizerPath = Path.Combine(modelDirectory, "tokenizer.json");
        try
        {
            if (File.Exists(vocabPath) && File.Exists(mergesPath))
            {
                var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabPath))
                    ?? throw new InvalidDataException($"{vocabPath} is empty.");
                return new ClipTokenizer(vocab, ReadMergesText(File.ReadLines(mergesPath)), maxLength);
            }

            if (File.Exists(tokenizerPath))
            {
                return FromTokenizerJson(tokenizerPath, maxLength);
            }
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The tokenizer files in '{modelDirectory}' are not valid JSON: {ex.Message}", ex);
        }

        throw new FileNotFoundException(
            $"No CLIP tokenizer in '{modelDirectory}': expected vocab.json + merges.txt, or tokenizer.json.", tokenizerPath);
    }

    /// <summary>Tokenizes <paramref name="text"/> into ids with the start and end tokens, truncated to <see cref="MaxLength"/>.</summary>
    /// <param name="text">Any text; <see langword="null"/> counts as empty.</param>
    /// <returns>The ids, unpadded: at least the two special tokens, at most <see cref="MaxLength"/>.</returns>
    public int[] Encode(string? text)
    {
        var ids = new List<int>(16) { StartOfTextId };
        int budget = MaxLength - 2;
        foreach (int id in EncodeContent(text ?? string.Empty))
        {
            if (ids.Count - 1 >= budget)
            {
                break;
            }

            ids.Add(id);
        }

        ids.Add(EndOfTextId);
        return [.. ids];
    }

    /// <summary>Counts the content tokens of <paramref name="text"/> without truncation (to tell a user a query was cut).</summary>
    /// <param name="text">Any text.</param>
    /// <returns>The number of tokens between the special tokens before truncation.</returns>
    public int CountContentTokens(string? text) => EncodeContent(text ?? string.Empty).Count();

    private IEnumerable<int> EncodeContent(string text)
    {
        // Added tokens are matched on the raw text before normalisation, as the reference does.
        int start = 0;
        while (start <= text.Length)
        {
            (int at, string? special) = FindSpecial(text, start);
            string segment = text[start..(at < 0 ? text.Length : at)];
            foreach (int id in EncodeOrdinary(segment))
            {
                yield return id;
            }

            if (at < 0)
            {
                yield break;
            }

            yield return special == StartOfText ? StartOfTextId : EndOfTextId;
            start = at + special!.Length;
        }
    }

    private static (int At, string? Special) FindSpecial(string text, int start)
    {
        int a = text.IndexOf(StartOfText, start, StringComparison.Ordinal);
        int b = text.IndexOf(EndOfText, start, StringComparison.Ordinal);
        if (a < 0 && b < 0)
        {
            return (-1, null);
        }

        return a >= 0 && (b < 0 || a < b) ? (a, StartOfText) : (b, EndOfText);
    }

    private IEnumerable<int> EncodeOrdinary(string segment)
    {
        if (segment.Length == 0)
        {
            yield break;
        }

        string normalized = Normalize(segment);
        foreach (string piece in PreTokenize(normalized))
        {
            foreach (int id in Bpe(piece))
            {
                yield return id;
            }
        }
    }

    /// <summary>NFC, every whitespace run to one space, lower-case (the reference's normalizer sequence).</summary>
    internal static string Normalize(string text)
    {
        string nfc = text.IsNormalized(NormalizationForm.FormC) ? text : text.Normalize(NormalizationForm.FormC);
        var sb = new StringBuilder(nfc.Length);
        bool inSpace = false;
        foreach (Rune rune in nfc.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune))
            {
                if (!inSpace)
                {
                    sb.Append(' ');
                }

                inSpace = true;
                continue;
            }

            inSpace = false;
            if (rune.Value == 0x130)
            {
                sb.Append("i\u0307"); // full case mapping of 'İ', as the reference's lower-casing does
                continue;
            }

            sb.Append(Rune.ToLowerInvariant(rune).ToString());
        }

        return sb.ToString();
    }

    /// <summary>
    /// The CLIP split pattern <c>&lt;\|startoftext\|&gt;|&lt;\|endoftext\|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c> with whitespace removed,
    /// evaluated on Unicode scalar values (so letters outside the BMP count as letters, as in the reference).
    /// </summary>
    internal static IEnumerable<string> PreTokenize(string text)
    {
        int i = 0;
        while (i < text.Length)
        {
            Rune r = Rune.GetRuneAt(text, i);
            if (Rune.IsWhiteSpace(r))
            {
                i += r.Utf16SequenceLength;
                continue;
            }

            // The split pattern's first alternatives: the special tokens as written after lower-casing (for example from
            // "<|ENDOFTEXT|>", which is not an added token because added tokens match case-sensitively) stay one piece.
            if (text[i] == '<')
            {
                string? special = string.CompareOrdinal(text, i, StartOfText, 0, StartOfText.Length) == 0 ? StartOfText
                    : string.CompareOrdinal(text, i, EndOfText, 0, EndOfText.Length) == 0 ? EndOfText : null;
                if (special is not null)
                {
                    yield return special;
                    i += special.Length;
                    continue;
                }
            }

            string? contraction = MatchContraction(text, i);
            if (contraction is not null)
            {
                yield return contraction;
                i += contraction.Length;
                continue;
            }

            int start = i;
            if (Rune.IsLetter(r))
            {
                while (i < text.Length && Rune.IsLetter(Rune.GetRuneAt(text, i)))
                {
                    i += Rune.GetRuneAt(text, i).Utf16SequenceLength;
                }
            }
            else if (IsNumber(r))
            {
                i += r.Utf16SequenceLength;
            }
            else
            {
                while (i < text.Length)
                {
                    Rune c = Rune.GetRuneAt(text, i);
                    if (Rune.IsWhiteSpace(c) || Rune.IsLetter(c) || IsNumber(c))
                    {
                        break;
                    }

                    i += c.Utf16SequenceLength;
                }
            }

            yield return text[start..i];
        }
    }

    private static bool IsNumber(Rune r) => Rune.GetUnicodeCategory(r) is
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    private static string? MatchContraction(string text, int i)
    {
        if (text[i] != '\'')
        {
            return null;
        }

        foreach (string c in s_contractions)
        {
            if (string.CompareOrdinal(text, i, c, 0, c.Length) == 0)
            {
                return c;
            }
        }

        return null;
    }

    private int[] Bpe(string piece)
    {
        if (_cache.TryGetValue(piece, out int[]? cached))
        {
            return cached;
        }

        byte[] bytes = Encoding.UTF8.GetBytes(piece);
        var symbols = new List<string>(bytes.Length);
        for (int b = 0; b < bytes.Length; b++)
        {
            string s = s_byteToChar[bytes[b]].ToString();
            symbols.Add(b == bytes.Length - 1 ? s + EndOfWord : s);
        }

        while (symbols.Count > 1)
        {
            int bestRank = int.MaxValue;
            int bestAt = -1;
            for (int k = 0; k < symbols.Count - 1; k++)
            {
                if (_mergeRanks.TryGetValue((symbols[k], symbols[k + 1]), out int rank) && rank < bestRank)
                {
                    bestRank = rank;
                    bestAt = k;
                }
            }

            if (bestAt < 0)
            {
                break;
            }

            string left = symbols[bestAt];
            string right = symbols[bestAt + 1];
            var merged = new List<string>(symbols.Count);
            for (int k = 0; k < symbols.Count; k++)
            {
                if (k < symbols.Count - 1 && symbols[k] == left && symbols[k + 1] == right)
                {
                    merged.Add(left + right);
                    k++;
                }
                else
                {
                    merged.Add(symbols[k]);
                }
            }

            symbols = merged;
        }

        int[] ids = new int[symbols.Count];
        for (int k = 0; k < ids.Length; k++)
        {
            ids[k] = _vocab.TryGetValue(symbols[k], out int id) ? id : EndOfTextId; // the reference's unk token
        }

        if (_cache.Count < MaxCachedWords)
        {
            _cache.TryAdd(piece, ids);
        }

        return ids;
    }

    private static ClipTokenizer FromTokenizerJson(string path, int maxLength)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        if (!doc.RootElement.TryGetProperty("model", out JsonElement model) ||
            !model.TryGetProperty("vocab", out JsonElement vocabElement) ||
            !model.TryGetProperty("merges", out JsonElement mergesElement))
        {
            throw new InvalidDataException($"{path} has no BPE model with a vocab and merges.");
        }

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (JsonProperty p in vocabElement.EnumerateObject())
        {
            vocab[p.Name] = p.Value.GetInt32();
        }

        if (doc.RootElement.TryGetProperty("added_tokens", out JsonElement added))
        {
            foreach (JsonElement t in added.EnumerateArray())
            {
                vocab[t.GetProperty("content").GetString()!] = t.GetProperty("id").GetInt32();
            }
        }

        var merges = new List<(string, string)>();
        foreach (JsonElement m in mergesElement.EnumerateArray())
        {
            if (m.ValueKind == JsonValueKind.Array)
            {
                merges.Add((m[0].GetString()!, m[1].GetString()!));
            }
            else if (SplitMerge(m.GetString()) is { } pair)
            {
                merges.Add(pair);
            }
        }

        return new ClipTokenizer(vocab, merges, maxLength);
    }

    private static IEnumerable<(string, string)> ReadMergesText(IEnumerable<string> lines)
    {
        foreach (string line in lines)
        {
            if (line.StartsWith("#version", StringComparison.Ordinal))
            {
                continue;
            }

            if (SplitMerge(line) is { } pair)
            {
                yield return pair;
            }
        }
    }

    private static (string, string)? SplitMerge(string? line)
    {
        if (string.IsNullOrEmpty(line))
        {
            return null;
        }

        int space = line.IndexOf(' ', StringComparison.Ordinal);
        return space <= 0 ? null : (line[..space], line[(space + 1)..]);
    }

    private static char[] BuildByteToChar()
    {
        // GPT-2's reversible byte-to-unicode table: printable bytes map to themselves, the rest to 256 + n.
        var map = new char[256];
        int n = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is (>= '!' and <= '~') or (>= 0xA1 and <= 0xAC) or (>= 0xAE and <= 0xFF);
            map[b] = printable ? (char)b : (char)(256 + n++);
        }

        return map;
    }
}
