using System.Text;
using System.Text.RegularExpressions;

namespace AgentRetrieval.Onnx.Encoders.Tokenization;

/// <summary>
/// <c>ByteLevel</c>: optionally a leading space, optionally GPT-2's split pattern, then every UTF-8 byte mapped to the
/// printable character GPT-2's byte-to-unicode table gives it.
/// </summary>
internal sealed partial class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : IPreTokenizer
{
    private static readonly char[] s_byteToChar = BuildByteToChar();

    public List<string> PreTokenize(List<string> pieces, bool first)
    {
        var split = new List<string>();
        for (int i = 0; i < pieces.Count; i++)
        {
            string p = pieces[i];
            if (addPrefixSpace && p.Length > 0 && !p.StartsWith(' '))
            {
                p = " " + p;
            }

            if (useRegex)
            {
                SplitPreTokenizer.Split(p, Gpt2(), SplitBehavior.Isolated, invert: false, split);
            }
            else if (p.Length > 0)
            {
                split.Add(p);
            }
        }

        for (int i = 0; i < split.Count; i++)
        {
            split[i] = MapBytes(split[i]);
        }

        return split;
    }

    public static string MapBytes(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            chars[i] = s_byteToChar[bytes[i]];
        }

        return new string(chars);
    }

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var direct = new bool[256];
        for (int b = '!'; b <= '~'; b++)
        {
            direct[b] = true;
        }

        for (int b = 0xA1; b <= 0xAC; b++)
        {
            direct[b] = true;
        }

        for (int b = 0xAE; b <= 0xFF; b++)
        {
            direct[b] = true;
        }

        int n = 0;
        for (int b = 0; b < 256; b++)
        {
            map[b] = direct[b] ? (char)b : (char)(256 + n++);
        }

        return map;
    }

    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Gpt2();
}
