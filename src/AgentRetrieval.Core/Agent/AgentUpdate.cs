namespace AgentRetrieval.Agent;

/// <summary>Something a turn reports while it runs.</summary>
public abstract record AgentUpdate;

/// <summary>A stage finished.</summary>
/// <param name="Report">What it did.</param>
public sealed record StageCompleted(StageReport Report) : AgentUpdate;

/// <summary>A piece of the answer text.</summary>
/// <param name="Text">The piece.</param>
public sealed record AnswerDelta(string Text) : AgentUpdate;

/// <summary>The turn is done.</summary>
/// <param name="Result">The outcome.</param>
public sealed record TurnCompleted(AgentTurnResult Result) : AgentUpdate;

/// <summary>Retrieval's candidates, before any rerank: hosts can show them while the LLM works.</summary>
/// <param name="Candidates">The best candidates in retrieval order (at most the result count).</param>
public sealed record CandidatesRetrieved(IReadOnlyList<RankedImage> Candidates) : AgentUpdate;
