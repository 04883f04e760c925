using System.Text.RegularExpressions;

namespace AgentRetrieval.Onnx.Encoders.Tokenization;

/// <summary><c>Split</c>: splits on a literal or a regular expression, keeping or merging the delimiters as told.</summary>
internal sealed class SplitPreTokenizer(Regex pattern, SplitBehavior behavior, bool invert) : IPreTokenizer
{
    public List<string> PreTokenize(List<string> pieces, bool first)
    {
        var result = new List<string>(pieces.Count * 2);
        foreach (string piece in pieces)
        {
            Split(piece, pattern, behavior, invert, result);
        }

        return result;
    }

    /// <summary>The reference's <c>NormalizedString::split</c>: matches and the text between them, then the behaviour.</summary>
    public static void Split(string text, Regex pattern, SplitBehavior behavior, bool invert, List<string> into)
    {
        if (text.Length == 0)
        {
            return;
        }

        var parts = new List<(int Start, int End, bool Match)>();
        int last = 0;
        foreach (Match m in pattern.Matches(text))
        {
            if (m.Length == 0)
            {
                continue;
            }

            if (m.Index > last)
            {
                parts.Add((last, m.Index, false));
            }

            parts.Add((m.Index, m.Index + m.Length, true));
            last = m.Index + m.Length;
        }

        if (last < text.Length)
        {
            parts.Add((last, text.Length, false));
        }

        if (invert)
        {
            for (int i = 0; i < parts.Count; i++)
            {
                parts[i] = parts[i] with { Match = !parts[i].Match };
            }
        }

        // The reference's folds over (part, is-match), one per behaviour.
        var kept = new List<(int Start, int End)>(parts.Count);
        bool previousMatch = false;
        switch (behavior)
        {
            case SplitBehavior.Removed:
                kept.AddRange(parts.Where(p => !p.Match).Select(p => (p.Start, p.End)));
                break;
            case SplitBehavior.Isolated:
                kept.AddRange(parts.Select(p => (p.Start, p.End)));
                break;
            case SplitBehavior.Contiguous:
                foreach (var p in parts)
                {
                    if (p.Match == previousMatch && kept.Count > 0)
                    {
                        kept[^1] = (kept[^1].Start, p.End);
                    }
                    else
                    {
                        kept.Add((p.Start, p.End));
                    }

                    previousMatch = p.Match;
                }

                break;
            case SplitBehavior.MergedWithPrevious:
                foreach (var p in parts)
                {
                    if (p.Match && !previousMatch && kept.Count > 0)
                    {
                        kept[^1] = (kept[^1].Start, p.End);
                    }
                    else
                    {
                        kept.Add((p.Start, p.End));
                    }

                    previousMatch = p.Match;
                }

                break;
            case SplitBehavior.MergedWithNext:
                for (int i = parts.Count - 1; i >= 0; i--)
                {
                    var p = parts[i];
                    if (p.Match && !previousMatch && kept.Count > 0)
                    {
                        kept[^1] = (p.Start, kept[^1].End);
                    }
                    else
                    {
                        kept.Add((p.Start, p.End));
                    }

                    previousMatch = p.Match;
                }

                kept.Reverse();
                break;
        }

        foreach ((int s, int e) in kept)
        {
            if (e > s)
            {
                into.Add(text[s..e]);
            }
        }
    }
}
