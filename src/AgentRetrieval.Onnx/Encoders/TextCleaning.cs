using System.Text;
using AgentRetrieval.Onnx.Encoders.Tokenization;

namespace AgentRetrieval.Onnx.Encoders;

/// <summary>Immich's text cleaning, exactly: Python's <c>" ".join(text.split())</c>, then for canonicalisation <c>translate(string.punctuation)</c> and <c>lower()</c>.</summary>
public static class TextCleaning
{
    /// <summary>Cleans <paramref name="text"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="mode">What to do.</param>
    /// <returns>The cleaned text.</returns>
    public static string Apply(string text, TextCleaningMode mode)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (mode == TextCleaningMode.None)
        {
            return text;
        }

        string collapsed = UnicodeText.CollapseWhitespace(text);
        if (mode != TextCleaningMode.Canonicalize)
        {
            return collapsed;
        }

        // Punctuation is removed after the white space is collapsed, so "3 balls & 1" keeps two spaces, as the reference does.
        var sb = new StringBuilder(collapsed.Length);
        foreach (char c in collapsed)
        {
            if (!UnicodeText.IsAsciiPunctuation(c))
            {
                sb.Append(c);
            }
        }

        return UnicodeText.ToLowerFull(sb.ToString(), finalSigma: true);
    }
}
