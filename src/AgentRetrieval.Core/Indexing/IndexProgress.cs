namespace AgentRetrieval.Indexing;

/// <summary>Where an indexing run is.</summary>
/// <param name="Phase">"scan", "embed" or "clean".</param>
/// <param name="Done">Files handled in this phase.</param>
/// <param name="Total">Files to handle in this phase.</param>
/// <param name="Current">The file being handled, if any.</param>
public sealed record IndexProgress(string Phase, int Done, int Total, string? Current);
