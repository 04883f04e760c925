using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace AgentRetrieval.Onnx.Encoders.Tokenization;

/// <summary>
/// <c>Precompiled</c>: SentencePiece's compiled normalisation rules (its NFKC map, for example) as the reference applies
/// them. The charsmap is a little-endian u32 trie size, a Darts double-array trie over UTF-8 bytes, and a blob of
/// NUL-terminated replacements the trie's values point into. The reference walks extended grapheme clusters: a cluster
/// shorter than 6 UTF-8 bytes is replaced by the rule of its shortest matching prefix, if any; otherwise each character
/// is looked up alone.
/// </summary>
internal sealed class PrecompiledNormalizer : INormalizer
{
    private readonly uint[] _trie;
    private readonly byte[] _normalized;

    public PrecompiledNormalizer(byte[] charsmap)
    {
        ArgumentNullException.ThrowIfNull(charsmap);
        if (charsmap.Length < 4)
        {
            throw new InvalidDataException("The precompiled charsmap is too short.");
        }

        uint trieBytes = BinaryPrimitives.ReadUInt32LittleEndian(charsmap);
        if (trieBytes % 4 != 0 || 4 + (long)trieBytes > charsmap.Length || trieBytes == 0)
        {
            throw new InvalidDataException("The precompiled charsmap's trie size does not fit the data.");
        }

        _trie = new uint[trieBytes / 4];
        for (int i = 0; i < _trie.Length; i++)
        {
            _trie[i] = BinaryPrimitives.ReadUInt32LittleEndian(charsmap.AsSpan(4 + (4 * i)));
        }

        _normalized = charsmap[(4 + (int)trieBytes)..];
    }

    public string Normalize(string text)
    {
        if (text.Length == 0)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        Span<byte> buffer = stackalloc byte[64];
        TextElementEnumerator graphemes = StringInfo.GetTextElementEnumerator(text);
        while (graphemes.MoveNext())
        {
            string grapheme = graphemes.GetTextElement();
            int byteCount = Encoding.UTF8.GetByteCount(grapheme);
            if (byteCount < 6)
            {
                int n = Encoding.UTF8.GetBytes(grapheme, buffer);
                if (Transform(buffer[..n]) is { } whole)
                {
                    sb.Append(whole);
                    continue;
                }
            }

            foreach (Rune rune in grapheme.EnumerateRunes())
            {
                int n = rune.EncodeToUtf8(buffer);
                if (Transform(buffer[..n]) is { } part)
                {
                    sb.Append(part);
                }
                else
                {
                    sb.Append(rune.ToString());
                }
            }
        }

        return sb.ToString();
    }

    /// <summary>The replacement of the shortest prefix of <paramref name="key"/> the trie holds, or null.</summary>
    private string? Transform(ReadOnlySpan<byte> key)
    {
        int? value = FirstPrefixValue(key);
        if (value is not int index || index < 0 || index > _normalized.Length)
        {
            return null;
        }

        int end = Array.IndexOf(_normalized, (byte)0, index);
        return Encoding.UTF8.GetString(_normalized, index, (end < 0 ? _normalized.Length : end) - index);
    }

    private int? FirstPrefixValue(ReadOnlySpan<byte> key)
    {
        long pos = 0;
        uint unit = _trie[0];
        pos ^= Offset(unit);
        foreach (byte c in key)
        {
            if (c == 0)
            {
                break;
            }

            pos ^= c;
            if (pos < 0 || pos >= _trie.Length)
            {
                return null;
            }

            unit = _trie[pos];
            if (Label(unit) != c)
            {
                return null;
            }

            pos ^= Offset(unit);
            if (pos < 0 || pos >= _trie.Length)
            {
                return null;
            }

            if (((unit >> 8) & 1) == 1)
            {
                return (int)(_trie[pos] & ((1u << 31) - 1));
            }
        }

        return null;
    }

    private static uint Label(uint unit) => unit & ((1u << 31) | 0xFF);

    private static long Offset(uint unit) => (long)(unit >> 10) << (int)((unit & (1u << 9)) >> 6);
}
