namespace AgentRetrieval.Agent;

/// <summary>Something a turn reports while it runs.</summary>
public abstract record AgentUpdate;

/// <summary>A stage finished.</summary>
/// <param name="Report">What it did.</param>
public sealed record StageCompleted(StageReport Report) : AgentUpdate;

/// <summary>A piece of the answer text.</summary>
/// <param name="Text">The piece.</param>
public sealed record AnswerDelta(string Text) : AgentUpdate
{
    /// <summary>
    /// Whether this piece is the closing line that says how the search was done, stage by stage: a terminal prints it
    /// with the answer, a page can show it apart (in "how I searched").
    /// </summary>
    public bool IsStageSummary { get; init; }
}

/// <summary>The turn is done.</summary>
/// <param name="Result">The outcome.</param>
public sealed record TurnCompleted(AgentTurnResult Result) : AgentUpdate;

/// <summary>Retrieval's candidates, before any rerank: hosts can show them while the LLM works.</summary>
/// <param name="Candidates">The best candidates in retrieval order (at most the result count).</param>
public sealed record CandidatesRetrieved(IReadOnlyList<RankedImage> Candidates) : AgentUpdate;
