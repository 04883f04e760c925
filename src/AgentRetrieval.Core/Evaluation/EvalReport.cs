namespace AgentRetrieval.Evaluation;

/// <summary>What <see cref="RetrievalEvaluator"/> measured.</summary>
public sealed record EvalReport
{
    /// <summary>The dataset's name.</summary>
    public required string Dataset { get; init; }

    /// <summary>The split evaluated.</summary>
    public required string Split { get; init; }

    /// <summary>The retriever's model.</summary>
    public required string Model { get; init; }

    /// <summary>Images evaluated.</summary>
    public int Images { get; init; }

    /// <summary>Captions evaluated.</summary>
    public int Captions { get; init; }

    /// <summary>Items left out (missing or unreadable image), with reasons.</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];

    /// <summary>Whether MAP uses class labels (relevant = same label) instead of the item's own captions/image.</summary>
    public bool RelevanceByLabel { get; init; }

    /// <summary>Text → image.</summary>
    public required RetrievalScores TextToImage { get; init; }

    /// <summary>Image → text.</summary>
    public required RetrievalScores ImageToText { get; init; }

    /// <summary>Text query latency (encode + exact search), milliseconds: mean, p50, p95.</summary>
    public required (double Mean, double P50, double P95) QueryLatencyMs { get; init; }

    /// <summary>Binary-code results by code length (Hamming ranking).</summary>
    public IReadOnlyList<CodeScores> Codes { get; init; } = [];

    /// <summary>Hits@10 after each dialogue round (ChatIR protocol), when asked.</summary>
    public IReadOnlyList<double> DialogueHitsAt10 { get; init; } = [];

    /// <summary>The agent's reranker on top of retrieval, when asked.</summary>
    public RerankScores? Rerank { get; init; }
}

/// <summary>Hashing results at one code length.</summary>
/// <param name="Bits">Code length.</param>
/// <param name="TextToImage">Text → image by Hamming ranking.</param>
/// <param name="ImageToText">Image → text by Hamming ranking.</param>
/// <param name="Note">Why it was not run, when it was not.</param>
public sealed record CodeScores(int Bits, RetrievalScores? TextToImage, RetrievalScores? ImageToText, string? Note);

/// <summary>Retrieval alone against retrieval + the agent's rerank, on the same queries.</summary>
/// <param name="Strategy">pointwise or listwise.</param>
/// <param name="Queries">Queries run.</param>
/// <param name="Retrieval">Text → image R@K of retrieval order.</param>
/// <param name="Reranked">Text → image R@K of the agent's order.</param>
/// <param name="MeanTurnSeconds">Mean time per agent turn.</param>
public sealed record RerankScores(string Strategy, int Queries, RetrievalScores Retrieval, RetrievalScores Reranked, double MeanTurnSeconds);
