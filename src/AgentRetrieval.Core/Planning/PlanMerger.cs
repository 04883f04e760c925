using AgentRetrieval.Agent;

namespace AgentRetrieval.Planning;

/// <summary>
/// Condenses a dialogue into one plan without an LLM: each user turn is parsed, the latest turn's visual request comes
/// first (so it survives the text encoder's token limit), a filter set by a later turn replaces an earlier one, "any
/// year" / "anywhere" / "any camera" drop a filter, and exclusions accumulate unless a later turn asks for the term.
/// </summary>
public static partial class PlanMerger
{
    /// <summary>Parses and merges the user turns of a dialogue.</summary>
    /// <param name="turns">The dialogue, oldest first.</param>
    /// <param name="context">The parser's context.</param>
    /// <param name="dropped">Filters the user dropped with a command (<c>date</c>, <c>place</c>, <c>camera</c>, <c>folder</c>, <c>text</c>).</param>
    /// <returns>The plan.</returns>
    public static SearchPlan Merge(IReadOnlyList<DialogueTurn> turns, PlanContext context, IReadOnlySet<string>? dropped = null)
    {
        ArgumentNullException.ThrowIfNull(turns);
        var merged = new SearchPlan();
        var visual = new List<string>();
        var negatives = new List<string>();
        var texts = new List<string>();
        var notes = new List<string>();
        foreach (DialogueTurn turn in turns.Where(t => t.Role == DialogueRole.User))
        {
            string message = turn.Text;
            bool anyDate = AnyDate().IsMatch(message), anyPlace = AnyPlace().IsMatch(message), anyCamera = AnyCamera().IsMatch(message);
            message = AnyDate().Replace(AnyPlace().Replace(AnyCamera().Replace(message, " "), " "), " ");
            SearchPlan p = RulePlanParser.Parse(message, context);
            if (p.VisualQuery.Length > 0)
            {
                visual.Remove(p.VisualQuery);
                visual.Insert(0, p.VisualQuery);
                negatives.RemoveAll(n => p.VisualQuery.Contains(n, StringComparison.OrdinalIgnoreCase));
            }

            foreach (string n in p.NegativeTerms.Where(n => !negatives.Contains(n)))
            {
                negatives.Add(n);
            }

            texts.AddRange(p.TextInImage.Where(t => !texts.Contains(t)));
            notes = [.. p.Notes];
            merged = merged with
            {
                Date = anyDate ? null : p.Date ?? merged.Date,
                Place = anyPlace ? null : p.Place ?? merged.Place,
                Camera = anyCamera ? null : p.Camera ?? merged.Camera,
                Folder = p.Folder ?? merged.Folder,
                Sort = p.Sort != SearchSort.Relevance ? p.Sort : merged.Sort,
            };
        }

        merged = merged with { VisualQuery = string.Join(", ", visual), NegativeTerms = negatives, TextInImage = texts, Notes = notes, Source = "rules" };
        return Drop(merged, dropped);
    }

    /// <summary>Removes the named filters from a plan.</summary>
    /// <param name="plan">The plan.</param>
    /// <param name="dropped">date, place, camera, folder, text.</param>
    public static SearchPlan Drop(SearchPlan plan, IReadOnlySet<string>? dropped)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (dropped is null || dropped.Count == 0)
        {
            return plan;
        }

        return plan with
        {
            Date = dropped.Contains("date") ? null : plan.Date,
            Place = dropped.Contains("place") ? null : plan.Place,
            Camera = dropped.Contains("camera") ? null : plan.Camera,
            Folder = dropped.Contains("folder") ? null : plan.Folder,
            TextInImage = dropped.Contains("text") ? [] : plan.TextInImage,
        };
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\b(?:any\s+(?:year|date|time|month)|whenever|all\s+years)\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex AnyDate();

    [System.Text.RegularExpressions.GeneratedRegex(@"\b(?:anywhere|any\s+(?:place|country|city)|wherever)\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex AnyPlace();

    [System.Text.RegularExpressions.GeneratedRegex(@"\bany\s+(?:camera|phone)\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex AnyCamera();
}
