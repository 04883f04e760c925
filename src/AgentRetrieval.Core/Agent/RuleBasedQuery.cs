using System.Text.RegularExpressions;

namespace AgentRetrieval.Agent;

/// <summary>
/// Condenses a dialogue into one retrieval query without an LLM: the latest request first (so it survives CLIP's
/// 77-token limit), filler such as "show me" removed, and explicit negations ("not red", "without people", "no cars")
/// turned into negative terms that are subtracted from the query vector.
/// </summary>
public static partial class RuleBasedQuery
{
    private static readonly HashSet<string> s_stopAfterNegation = new(StringComparer.OrdinalIgnoreCase)
    {
        "and", "or", "but", "with", "in", "on", "at", "please", "just", "only", "that", "which", "so", "then", "of", "from",
    };

    /// <summary>Condenses the user turns of a dialogue.</summary>
    /// <param name="turns">The dialogue, oldest first.</param>
    /// <returns>The query (may be empty) and the negative terms.</returns>
    public static (string Query, IReadOnlyList<string> NegativeTerms) Condense(IReadOnlyList<DialogueTurn> turns)
    {
        ArgumentNullException.ThrowIfNull(turns);
        var parts = new List<string>();
        var negatives = new List<string>();
        var positivesSeen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = turns.Count - 1; i >= 0; i--)
        {
            if (turns[i].Role != DialogueRole.User)
            {
                continue;
            }

            (string positive, List<string> negs) = Split(turns[i].Text);
            foreach (string n in negs)
            {
                if (!negatives.Contains(n, StringComparer.OrdinalIgnoreCase) && !positivesSeen.Contains(n))
                {
                    negatives.Add(n);
                }
            }

            if (positive.Length > 0 && positivesSeen.Add(positive))
            {
                parts.Add(positive);
            }
        }

        // A term the latest turn asks for wins over an older negation of it, and vice versa.
        return (string.Join(", ", parts), negatives);
    }

    /// <summary>Splits one message into its positive text and its negated terms.</summary>
    internal static (string Positive, List<string> Negatives) Split(string message)
    {
        string text = WhitespaceRegex().Replace(message ?? "", " ").Trim();
        var negatives = new List<string>();
        text = NegationRegex().Replace(text, m =>
        {
            string[] words = m.Groups["terms"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var kept = new List<string>();
            foreach (string w in words)
            {
                if (s_stopAfterNegation.Contains(w) || kept.Count == 2)
                {
                    break;
                }

                kept.Add(w.Trim(',', '.', ';', '!', '?'));
            }

            if (kept.Count > 0)
            {
                negatives.Add(string.Join(' ', kept).ToLowerInvariant());
            }

            // Keep the words the negation did not take (such as "and a dog").
            return " " + string.Join(' ', words.Skip(kept.Count)) + " ";
        });
        text = FillerRegex().Replace(text, " ");
        text = WhitespaceRegex().Replace(text, " ").Trim(' ', ',', '.', ';', '!', '?');
        return (text, negatives);
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRegex();

    [GeneratedRegex(@"\b(?:not|no|without|except|never|isn't|aren't|don't want|do not want|nothing with|none of)\s+(?:a |an |the |any )?(?<terms>[\p{L}\p{N}\-']+(?:\s+[\p{L}\p{N}\-']+){0,2})", RegexOptions.IgnoreCase)]
    private static partial Regex NegationRegex();

    [GeneratedRegex(@"^\s*(?:please\s+)?(?:(?:can|could) you\s+)?(?:show me|find me|find|search for|look for|i'?m looking for|i am looking for|looking for|i want|i'd like|give me|get me|show)\b\s*", RegexOptions.IgnoreCase)]
    private static partial Regex FillerRegex();
}
