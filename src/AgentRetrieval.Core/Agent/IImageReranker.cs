namespace AgentRetrieval.Agent;

/// <summary>Reorders retrieval candidates with a multimodal LLM.</summary>
public interface IImageReranker
{
    /// <summary>The strategy's name (pointwise, listwise).</summary>
    string Name { get; }

    /// <summary>Judges candidates within the budget and returns them reordered, judged ones first.</summary>
    /// <param name="request">The query and candidates.</param>
    /// <param name="cancellationToken">The turn's budget: when it ends, what was judged so far is used.</param>
    /// <returns>The reordered candidates and what happened.</returns>
    Task<RerankOutcome> RerankAsync(RerankRequest request, CancellationToken cancellationToken);
}

/// <summary>What a reranker is asked.</summary>
/// <param name="Query">The retrieval query.</param>
/// <param name="Candidates">All candidates in retrieval order.</param>
/// <param name="Remaining">What is left of the turn's budget (null: the whole budget).</param>
public sealed record RerankRequest(string Query, IReadOnlyList<RankedImage> Candidates, TimeSpan? Remaining = null);

/// <summary>What a reranker did.</summary>
/// <param name="Results">The candidates, reordered.</param>
/// <param name="Judged">How many the LLM judged.</param>
/// <param name="Detail">A short note (how scores were read, whether the budget cut it short).</param>
/// <param name="Degraded">Whether it fell short of its plan.</param>
public sealed record RerankOutcome(IReadOnlyList<RankedImage> Results, int Judged, string Detail, bool Degraded)
{
    /// <summary>The cascade's stages (null for the other strategies).</summary>
    public Reranking.CascadeReport? Cascade { get; init; }
}
