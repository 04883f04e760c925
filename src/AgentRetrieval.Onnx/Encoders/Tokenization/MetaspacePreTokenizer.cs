using System.Text.RegularExpressions;

namespace AgentRetrieval.Onnx.Encoders.Tokenization;

/// <summary>
/// <c>Metaspace</c>: spaces become the replacement character (▁), which is prepended as the scheme says (<c>always</c>,
/// <c>first</c>: only where the text begins, <c>never</c>), and with <c>split</c> each ▁ starts a new piece.
/// </summary>
internal sealed class MetaspacePreTokenizer : IPreTokenizer
{
    private readonly string _replacement;
    private readonly string _prepend;
    private readonly bool _split;
    private readonly Regex _delimiter;

    public MetaspacePreTokenizer(string replacement, string prependScheme, bool split)
    {
        _replacement = replacement;
        _prepend = prependScheme;
        _split = split;
        _delimiter = new Regex(Regex.Escape(replacement), RegexOptions.CultureInvariant);
    }

    public List<string> PreTokenize(List<string> pieces, bool first)
    {
        var result = new List<string>();
        for (int i = 0; i < pieces.Count; i++)
        {
            string p = pieces[i].Replace(" ", _replacement, StringComparison.Ordinal);
            bool prepend = _prepend == "always" || (_prepend == "first" && first && i == 0);
            if (prepend && p.Length > 0 && !p.StartsWith(_replacement, StringComparison.Ordinal))
            {
                p = _replacement + p;
            }

            if (_split)
            {
                SplitPreTokenizer.Split(p, _delimiter, SplitBehavior.MergedWithNext, invert: false, result);
            }
            else if (p.Length > 0)
            {
                result.Add(p);
            }
        }

        return result;
    }
}
