namespace AgentRetrieval.Planning;

/// <summary>How results are ordered.</summary>
public enum SearchSort
{
    /// <summary>Best match first.</summary>
    Relevance,

    /// <summary>Newest first.</summary>
    NewestFirst,

    /// <summary>Oldest first.</summary>
    OldestFirst,
}
