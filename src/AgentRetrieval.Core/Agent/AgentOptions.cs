using System.ComponentModel.DataAnnotations;

namespace AgentRetrieval.Agent;

/// <summary>How the retrieval agent runs a turn.</summary>
public sealed class AgentOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Agent";

    /// <summary>Candidates retrieved by CLIP and handed to the reranker.</summary>
    [Range(1, 10_000)]
    public int CandidateCount { get; set; } = 128;

    /// <summary>Results shown to the user.</summary>
    [Range(1, 1000)]
    public int ResultCount { get; set; } = 10;

    /// <summary>
    /// The rerank strategy: <c>cascade</c> (every candidate judged on its text, then the best shown to the LLM as images
    /// within the turn's budget), <c>pointwise</c> (the top N as images), <c>listwise</c> or <c>none</c>.
    /// </summary>
    [RegularExpression("^(cascade|pointwise|listwise|none)$")]
    public string RerankStrategy { get; set; } = "cascade";

    /// <summary>
    /// The cascade's stage-1 judge: <c>auto</c> (the LLM when its measured cost lets it judge every candidate within
    /// <see cref="TextJudgeBudgetShare"/> of the turn's budget, else the small local text model), <c>llm</c> or <c>small</c>.
    /// </summary>
    [RegularExpression("^(auto|llm|small)$")]
    public string TextJudge { get; set; } = "auto";

    /// <summary>The share of the turn's budget the LLM may spend judging every candidate's text (stage 1).</summary>
    [Range(0.01, 1.0)]
    public double TextJudgeBudgetShare { get; set; } = 0.25;

    /// <summary>Weight of the stage-1 text relevance (0 to 1 across the candidates) in the fused score.</summary>
    [Range(0.0, 10.0)]
    public double TextJudgeWeight { get; set; } = 0.5;

    /// <summary>
    /// The longest side of a candidate image shown to the LLM to judge it: the image-token cost where the model's processor
    /// follows the size (Qwen2.5-VL: 191 prompt tokens at 336 px; Phi-3-vision under ONNX Runtime GenAI 0.18 ignores it).
    /// </summary>
    [Range(64, 4096)]
    public int JudgeImageSide { get; set; } = 336;

    /// <summary>Whether serve and chat describe the library in the background when an LLM is configured.</summary>
    public bool Describe { get; set; } = true;

    /// <summary>The longest side of an image shown to the LLM to describe it once (more detail than judging).</summary>
    [Range(64, 4096)]
    public int DescribeImageSide { get; set; } = 672;

    /// <summary>Generated tokens at most for one description record.</summary>
    [Range(16, 4096)]
    public int DescribeMaxOutputTokens { get; set; } = 200;

    /// <summary>How many of the best candidates the LLM judges as images at most (pointwise; the cascade's stage 2 also fits the budget).</summary>
    [Range(1, 1000)]
    public int RerankTopN { get; set; } = 8;

    /// <summary>Candidates per listwise prompt.</summary>
    [Range(2, 16)]
    public int ListwiseGroupSize { get; set; } = 4;

    /// <summary>Judge cached captions instead of pixels (a text-only rerank: much cheaper).</summary>
    public bool RerankWithCaptions { get; set; }

    /// <summary>Weight of the LLM's match probability added to the retrieval cosine (BLIP-2: ITM on top of ITC).</summary>
    [Range(0.0, 10.0)]
    public double LlmWeight { get; set; } = 1.0;

    /// <summary>
    /// Whether the no-match threshold is learned from the index for the model in use (the best similarity that
    /// meaningless requests reach); <see cref="MinRetrievalScore"/> is used when it is off or the index is too small.
    /// </summary>
    public bool CalibrateNoMatch { get; set; } = true;

    /// <summary>Below this retrieval cosine the best result does not count as a match (when not calibrated).</summary>
    [Range(-1.0, 1.0)]
    public double MinRetrievalScore { get; set; } = 0.18;

    /// <summary>Below this LLM match probability a reranked pick does not count as a match.</summary>
    [Range(0.0, 1.0)]
    public double MinMatchProbability { get; set; } = 0.5;

    /// <summary>
    /// For a retrieval model with calibrated scores (SigLIP: sigmoid(cos · scale + bias) with its trained scale and bias),
    /// the match probability the best result must reach; it replaces the threshold learned from meaningless requests.
    /// SigLIP's probabilities are low for real matches of short queries, so this is a floor, not one half.
    /// </summary>
    [Range(1e-6, 0.999)]
    public double MinCalibratedProbability { get; set; } = 0.01;

    /// <summary>Whether the agent may ask one clarifying question when the candidates split into two clear groups.</summary>
    public bool Clarify { get; set; } = true;

    /// <summary>How far apart (1 − cosine of the centroids) the two candidate groups must be to ask.</summary>
    [Range(0.0, 2.0)]
    public double ClarifySeparation { get; set; } = 0.25;

    /// <summary>Rocchio weights: query, liked, disliked.</summary>
    [Range(0.0, 10.0)]
    public double RocchioAlpha { get; set; } = 1.0;

    /// <inheritdoc cref="RocchioAlpha"/>
    [Range(0.0, 10.0)]
    public double RocchioBeta { get; set; } = 0.75;

    /// <inheritdoc cref="RocchioAlpha"/>
    [Range(0.0, 10.0)]
    public double RocchioGamma { get; set; } = 0.25;

    /// <summary>Weight of negated terms ("not red") subtracted from the text query.</summary>
    [Range(0.0, 10.0)]
    public double NegationWeight { get; set; } = 0.5;

    /// <summary>The longest a single LLM call may take.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan LlmCallTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The time budget of one turn; stages that do not fit degrade.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "02:00:00")]
    public TimeSpan TurnBudget { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Generated tokens at most for rewrite, clarify, caption and reason answers.</summary>
    [Range(1, 4096)]
    public int MaxOutputTokens { get; set; } = 64;

    /// <summary>The longest user message accepted, in characters.</summary>
    [Range(1, 100_000)]
    public int MaxMessageCharacters { get; set; } = 2000;
}
