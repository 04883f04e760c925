namespace AgentRetrieval.Agent;

/// <summary>A candidate image with its scores.</summary>
/// <param name="Id">The catalogue id.</param>
/// <param name="Path">The file.</param>
/// <param name="RetrievalScore">CLIP cosine similarity to the query vector.</param>
/// <param name="LlmScore">The LLM's match probability in [0, 1], when it judged this image.</param>
/// <param name="FinalScore">The score results are ordered by: retrieval + weight × LLM score where judged.</param>
/// <param name="Caption">A short caption when one is known.</param>
public sealed record RankedImage(long Id, string Path, double RetrievalScore, double? LlmScore, double FinalScore, string? Caption = null)
{
    /// <summary>The same shot in files of other formats (see <see cref="Search.FormatTwins"/>).</summary>
    public IReadOnlyList<string> AlsoAt { get; init; } = [];

    /// <summary>The cascade's stage-1 relevance from the candidate's text (P(yes) from the LLM, or a similarity), when judged.</summary>
    public double? TextScore { get; init; }
}
