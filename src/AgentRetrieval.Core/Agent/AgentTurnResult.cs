namespace AgentRetrieval.Agent;

/// <summary>The outcome of one user turn.</summary>
public sealed record AgentTurnResult
{
    /// <summary>The retrieval query the text encoder saw.</summary>
    public required string Query { get; init; }

    /// <summary>The search plan the turn acted on (filters, text to find, exclusions, visual query).</summary>
    public Planning.SearchPlan Plan { get; init; } = new();

    /// <summary>How many photos the plan's filters let through (the whole scope when there are none).</summary>
    public int TotalMatches { get; init; }

    /// <summary>Terms the user excluded ("not red"), subtracted from the query.</summary>
    public IReadOnlyList<string> NegativeTerms { get; init; } = [];

    /// <summary>The results shown, best first.</summary>
    public IReadOnlyList<RankedImage> Results { get; init; } = [];

    /// <summary>The pick, or null when nothing matches well or a question was asked.</summary>
    public RankedImage? Pick { get; init; }

    /// <summary>Why the pick (one line), or why there is none.</summary>
    public string Reason { get; init; } = "";

    /// <summary>Whether the best result is below the match thresholds.</summary>
    public bool NoMatch { get; init; }

    /// <summary>A clarifying question instead of an answer, when the agent asked one.</summary>
    public string? ClarifyingQuestion { get; init; }

    /// <summary>The answer text shown to the user (streamed while it was made), ending with <see cref="StageSummary"/>.</summary>
    public string Answer { get; init; } = "";

    /// <summary>The answer's closing line on how the search was done, stage by stage (part of <see cref="Answer"/>).</summary>
    public string StageSummary { get; init; } = "";

    /// <summary>The answer without its closing stage line: the pick and its reason, or the honest no-match.</summary>
    public string AnswerWithoutStages => StageSummary.Length > 0 && Answer.EndsWith(StageSummary, StringComparison.Ordinal) ? Answer[..^StageSummary.Length].TrimEnd() : Answer;

    /// <summary>Every candidate in the final order, best first; <see cref="Results"/> are its first ones ("show more" pages through the rest).</summary>
    public IReadOnlyList<RankedImage> AllRanked { get; init; } = [];

    /// <summary>Each stage, in order.</summary>
    public IReadOnlyList<StageReport> Stages { get; init; } = [];

    /// <summary>The cascade's stages (judges, depths, costs), when the cascade reranked this turn.</summary>
    public Reranking.CascadeReport? Cascade { get; init; }

    /// <summary>How many candidates retrieval handed to the reranker.</summary>
    public int CandidateCount { get; init; }

    /// <summary>Whether any stage degraded.</summary>
    public bool Degraded => Stages.Any(s => s.Degraded);
}
