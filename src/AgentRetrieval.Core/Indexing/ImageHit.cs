namespace AgentRetrieval.Indexing;

/// <summary>One search result.</summary>
/// <param name="Id">The catalogue id of the image content (stable while the content is indexed).</param>
/// <param name="Path">A file that holds the image (the first one, when identical copies exist).</param>
/// <param name="Score">Cosine similarity to the query, in [-1, 1].</param>
public sealed record ImageHit(long Id, string Path, float Score)
{
    /// <summary>
    /// The same shot in other files of another format (a phone's HEIC beside its JPEG, a RAW beside the camera's JPEG):
    /// same time taken, same camera, near-identical picture. Shown as one result with every path.
    /// </summary>
    public IReadOnlyList<string> AlsoAt { get; init; } = [];
}
