namespace AgentRetrieval.Reranking;

/// <summary>
/// A small, cheap judge of how well texts (candidates' descriptions, recognised text, places) answer a request: the
/// cascade's stage-1 judge when the LLM would not fit the turn's budget.
/// </summary>
public interface ITextRelevance
{
    /// <summary>What it is, for reports ("MiniLM sentence embeddings").</summary>
    string Name { get; }

    /// <summary>Whether it understands requests that are not in English.</summary>
    bool Multilingual { get; }

    /// <summary>The relevance of each passage to the request (higher is better; comparable within one call).</summary>
    /// <param name="request">The request.</param>
    /// <param name="passages">The candidates' texts.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>One score per passage.</returns>
    Task<IReadOnlyList<double>> ScoreAsync(string request, IReadOnlyList<string> passages, CancellationToken cancellationToken = default);
}
