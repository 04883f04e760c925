using System.Globalization;
using System.Text;

namespace AgentRetrieval.Onnx.Encoders.Tokenization;

/// <summary>The Unicode rules the reference implementations use where .NET's defaults differ.</summary>
internal static class UnicodeText
{
    /// <summary>
    /// Full lower-case mapping: .NET's invariant mapping per code point except U+0130 (İ → i + U+0307, the one
    /// unconditional multi-character rule of SpecialCasing.txt); with <paramref name="finalSigma"/> a capital sigma at
    /// the end of a word becomes ς, as Python's <c>str.lower</c> does.
    /// </summary>
    public static string ToLowerFull(string text, bool finalSigma)
    {
        var sb = new StringBuilder(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out Rune rune, out int used);
            if (rune.Value == 0x130)
            {
                sb.Append('i').Append('\u0307');
            }
            else if (rune.Value == 0x3A3 && finalSigma && IsFinalSigma(text, i))
            {
                sb.Append('ς');
            }
            else
            {
                sb.Append(Rune.ToLowerInvariant(rune).ToString());
            }

            i += used;
        }

        return sb.ToString();
    }

    /// <summary>Python's <c>str.isspace</c> for one character (it counts U+001C–U+001F, which .NET does not).</summary>
    public static bool IsPythonSpace(char c) =>
        c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r' or '\u001c' or '\u001d' or '\u001e' or '\u001f' or '\u0085' or '\u00a0'
            or '\u1680' or '\u2028' or '\u2029' or '\u202f' or '\u205f' or '\u3000' || (c >= '\u2000' && c <= '\u200a');

    /// <summary>Python's <c>" ".join(text.split())</c>: white-space runs become one space, none at the ends.</summary>
    public static string CollapseWhitespace(string text)
    {
        var sb = new StringBuilder(text.Length);
        bool pending = false;
        foreach (char c in text)
        {
            if (IsPythonSpace(c))
            {
                pending = sb.Length > 0;
                continue;
            }

            if (pending)
            {
                sb.Append(' ');
                pending = false;
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    /// <summary>Python's <c>string.punctuation</c>: the 32 ASCII punctuation characters.</summary>
    public static bool IsAsciiPunctuation(char c) => c is (>= '!' and <= '/') or (>= ':' and <= '@') or (>= '[' and <= '`') or (>= '{' and <= '~');

    private static bool IsFinalSigma(string text, int at)
    {
        // Final_Sigma: preceded by a cased letter (case-ignorable characters between) and not followed by one.
        return CasedBefore(text, at) && !CasedAfter(text, at + 1);

        static bool CasedBefore(string s, int i)
        {
            for (int j = i - 1; j >= 0; j--)
            {
                if (CaseIgnorable(s[j]))
                {
                    continue;
                }

                return Cased(s, j);
            }

            return false;
        }

        static bool CasedAfter(string s, int i)
        {
            for (int j = i; j < s.Length; j++)
            {
                if (CaseIgnorable(s[j]))
                {
                    continue;
                }

                return Cased(s, j);
            }

            return false;
        }
    }

    private static bool Cased(string s, int i)
    {
        UnicodeCategory cat = CharUnicodeInfo.GetUnicodeCategory(s, i);
        return cat is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;
    }

    private static bool CaseIgnorable(char c)
    {
        UnicodeCategory cat = CharUnicodeInfo.GetUnicodeCategory(c);
        return cat is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format
            or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol
            || c is '\'' or '.' or ':' or '^' or '`' or '\u00b7' or '\u2018' or '\u2019' or '\u2024' or '\u2027';
    }
}
