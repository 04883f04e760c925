using System.Text.RegularExpressions;

namespace AgentRetrieval.Onnx.Encoders.Tokenization;

/// <summary><c>Whitespace</c> (runs of word characters, runs of other non-space characters) or <c>WhitespaceSplit</c> (split on white space).</summary>
internal sealed partial class WhitespacePreTokenizer(bool splitOnly) : IPreTokenizer
{
    public List<string> PreTokenize(List<string> pieces, bool first)
    {
        var result = new List<string>();
        foreach (string p in pieces)
        {
            if (splitOnly)
            {
                SplitPreTokenizer.Split(p, Spaces(), SplitBehavior.Removed, invert: false, result);
            }
            else
            {
                SplitPreTokenizer.Split(p, Words(), SplitBehavior.Removed, invert: true, result);
            }
        }

        return result;
    }

    // The reference's \w is Unicode's: letters, all marks, decimal digits, connector punctuation.
    [GeneratedRegex(@"[\p{L}\p{M}\p{Nd}\p{Pc}]+|[^\p{L}\p{M}\p{Nd}\p{Pc}\s]+", RegexOptions.CultureInvariant)]
    private static partial Regex Words();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Spaces();
}
