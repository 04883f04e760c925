namespace AgentRetrieval.Indexing;

/// <summary>A file or folder that was not indexed, and why.</summary>
/// <param name="Path">The path.</param>
/// <param name="Reason">A reason a user can act on.</param>
public sealed record SkippedFile(string Path, string Reason);
