namespace AgentRetrieval.Reranking;

/// <summary>What the cascade did in one turn: which judge ran at each stage, how deep it went, what it cost.</summary>
public sealed record CascadeReport
{
    /// <summary>The candidates there were.</summary>
    public int Candidates { get; init; }

    /// <summary>Stage 1's judge ("llm (P(yes) from logits)", "MiniLM sentence embeddings", …), or "none" when skipped.</summary>
    public string TextJudge { get; init; } = "none";

    /// <summary>How many candidates stage 1 judged.</summary>
    public int TextDepth { get; init; }

    /// <summary>Candidates with a description, recognised text or a place to judge.</summary>
    public int WithEvidence { get; init; }

    /// <summary>Of those, with a description by the LLM.</summary>
    public int Described { get; init; }

    /// <summary>Stage 1's time.</summary>
    public TimeSpan TextTime { get; init; }

    /// <summary>Stage 1's note: why this judge, why it stopped or was skipped.</summary>
    public string TextNote { get; init; } = "";

    /// <summary>Stage 2's judge ("llm (P(yes) from logits)"), or "none".</summary>
    public string ImageJudge { get; init; } = "none";

    /// <summary>How many candidates stage 2 showed to the LLM.</summary>
    public int ImageDepth { get; init; }

    /// <summary>Stage 2's time.</summary>
    public TimeSpan ImageTime { get; init; }

    /// <summary>Stage 2's note: how many fitted the budget, why it stopped or was skipped.</summary>
    public string ImageNote { get; init; } = "";

    /// <summary>Measured seconds per stage-1 judgment (null when none ran).</summary>
    public double? TextSecondsPerCandidate { get; init; }

    /// <summary>Measured seconds per stage-2 judgment (null when none ran).</summary>
    public double? ImageSecondsPerCandidate { get; init; }

    /// <summary>The longest side of the images shown in stage 2 (their image-token cost).</summary>
    public int ImageSide { get; init; }

    /// <summary>The report as JSON fields (snake_case), the same for <c>chat --json</c>, the page and MCP.</summary>
    public IReadOnlyDictionary<string, object?> ToJson() => new Dictionary<string, object?>
    {
        ["candidates"] = Candidates,
        ["described"] = Described,
        ["with_evidence"] = WithEvidence,
        ["stage1"] = new Dictionary<string, object?>
        {
            ["judge"] = TextJudge,
            ["depth"] = TextDepth,
            ["seconds"] = Math.Round(TextTime.TotalSeconds, 3),
            ["seconds_per_candidate"] = TextSecondsPerCandidate is double t ? Math.Round(t, 4) : null,
            ["note"] = TextNote,
        },
        ["stage2"] = new Dictionary<string, object?>
        {
            ["judge"] = ImageJudge,
            ["depth"] = ImageDepth,
            ["image_side"] = ImageSide,
            ["seconds"] = Math.Round(ImageTime.TotalSeconds, 3),
            ["seconds_per_candidate"] = ImageSecondsPerCandidate is double i ? Math.Round(i, 4) : null,
            ["note"] = ImageNote,
        },
    };

    /// <summary>One line for the stage report.</summary>
    public string Describe() =>
        FormattableString.Invariant($"stage 1 (text, {TextJudge}): {TextDepth} of {Candidates} judged ({Described} described, {WithEvidence} with a description, text or place) in {TextTime.TotalSeconds:0.0}s{(TextNote.Length > 0 ? "; " + TextNote : "")} · stage 2 (images at {ImageSide}px, {ImageJudge}): {ImageDepth} judged in {ImageTime.TotalSeconds:0.0}s{(ImageSecondsPerCandidate is double s ? $" ({s:0.00}s each)" : "")}{(ImageNote.Length > 0 ? "; " + ImageNote : "")}");
}
