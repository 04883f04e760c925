namespace AgentRetrieval.Agent;

/// <summary>What one stage of a turn did.</summary>
/// <param name="Stage">rewrite, clarify, retrieve, rerank or respond.</param>
/// <param name="Ran">Whether it ran (a stage can be off or not applicable).</param>
/// <param name="Degraded">Whether it fell back to a simpler method.</param>
/// <param name="Detail">What happened, in a few words (for example why it degraded).</param>
/// <param name="Elapsed">Time spent.</param>
public sealed record StageReport(string Stage, bool Ran, bool Degraded, string Detail, TimeSpan Elapsed);
