using AgentRetrieval.Agent;
using AgentRetrieval.Indexing;
using AgentRetrieval.Prompts;

namespace AgentRetrieval.Reranking;

/// <summary>
/// Judges all candidates within the turn's budget: stage 1 (<see cref="TextJudgeStage"/>) every candidate on its text
/// with the cheapest judge that fits, stage 2 (<see cref="ImageJudgeStage"/>) the best of them as images with what is
/// left. The final score fuses the retrieval similarity with both (LAVIS adds ITM to ITC):
/// cosine + <see cref="AgentOptions.TextJudgeWeight"/> × stage-1 relevance (0 to 1 across the candidates) +
/// <see cref="AgentOptions.LlmWeight"/> × P(yes). Images the LLM accepted come first, then the ones it did not see, then
/// the ones it rejected; a skipped stage is reported, never hidden.
/// </summary>
internal sealed class CascadeReranker : IImageReranker
{
    private readonly LlmGateway _llm;
    private readonly IImageIndex _index;
    private readonly AgentOptions _options;
    private readonly TimeProvider _time;
    private readonly TextJudgeStage _text;
    private readonly ImageJudgeStage _images;

    public CascadeReranker(LlmGateway llm, IPromptProvider prompts, ImageSource images, IImageIndex index, AgentOptions options, ITextRelevance? small, ITextRelevance? multilingual, JudgeCosts costs, TimeProvider time)
    {
        _llm = llm;
        _index = index;
        _options = options;
        _time = time;
        _text = new TextJudgeStage(llm, prompts, options, small, multilingual, costs, time);
        _images = new ImageJudgeStage(llm, prompts, images, options, costs, time);
    }

    public string Name => "cascade";

    public async Task<RerankOutcome> RerankAsync(RerankRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        long start = _time.GetTimestamp();
        IReadOnlyList<RankedImage> candidates = request.Candidates;
        TimeSpan remaining = request.Remaining ?? _options.TurnBudget;
        CandidateEvidence[] evidence = [.. candidates.Select(c => CandidateEvidence.From(_index.GetEntry(c.Id), c.Path))];

        // Stage 1: every candidate, on text.
        TextJudgeStage.Result text;
        try
        {
            text = remaining <= TimeSpan.Zero
                ? new TextJudgeStage.Result(new double?[candidates.Count], "none", 0, TimeSpan.Zero, "skipped: the turn's budget ran out", null, false)
                : await _text.RunAsync(request.Query, evidence, remaining, cancellationToken);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            // The turn's budget ran out in stage 1, whatever the judge threw on the way out (a cancelled turn is rethrown
            // by the agent): report it, keep the order.
            text = new TextJudgeStage.Result(new double?[candidates.Count], "none", 0, _time.GetElapsedTime(start), "skipped: the turn's budget ran out", null, false);
        }

        double[] relevance = Normalise(text.Scores, text.Probabilities);
        double[] fused1 = [.. candidates.Select((c, i) => c.RetrievalScore + (_options.TextJudgeWeight * relevance[i]))];
        int[] byStage1 = [.. Enumerable.Range(0, candidates.Count).OrderByDescending(i => fused1[i]).ThenBy(i => i)];

        // Stage 2: the best by stage 1, undescribed ones first (their text said least), as images, with what is left
        // (a share is kept for the answer).
        int planned = Math.Min(_options.RerankTopN, candidates.Count);
        int[] head = [.. byStage1.Take(Math.Max(planned, 1) * 2)];
        int[] order = [.. head.Where(i => evidence[i].Description is null).Concat(head.Where(i => evidence[i].Description is not null)).Take(planned)];
        order = [.. order.Concat(byStage1.Except(order))];
        TimeSpan left = remaining - _time.GetElapsedTime(start);
        ImageJudgeStage.Result seen = text.LlmFailed
            ? new ImageJudgeStage.Result(new double?[candidates.Count], 0, TimeSpan.Zero, "skipped: the LLM failed in stage 1", null, false)
            : cancellationToken.IsCancellationRequested || left <= TimeSpan.Zero
                ? new ImageJudgeStage.Result(new double?[candidates.Count], 0, TimeSpan.Zero, "skipped: the turn's budget ran out", null, false)
                : await _images.RunAsync(request.Query, candidates, evidence, order, left * 0.85, cancellationToken);

        var results = new List<(RankedImage Image, int Group, double Score)>(candidates.Count);
        for (int i = 0; i < candidates.Count; i++)
        {
            RankedImage c = candidates[i];
            double? p = seen.Scores[i];
            double score = fused1[i] + (p is double v ? _options.LlmWeight * v : 0);
            int group = p is not double q ? 1 : q >= _options.MinMatchProbability ? 0 : 2;
            results.Add((c with { LlmScore = p, TextScore = text.Scores[i], FinalScore = score }, group, score));
        }

        RankedImage[] ranked = [.. results.OrderBy(r => r.Group).ThenByDescending(r => r.Score).Select(r => r.Image)];
        var report = new CascadeReport
        {
            Candidates = candidates.Count,
            TextJudge = text.Judge,
            TextDepth = text.Depth,
            WithEvidence = evidence.Count(e => e.HasEvidence),
            Described = evidence.Count(e => e.Description is not null),
            TextTime = text.Elapsed,
            TextNote = text.Note,
            TextSecondsPerCandidate = text.SecondsPerCandidate,
            ImageJudge = seen.Depth == 0 && (seen.Note.StartsWith("skipped", StringComparison.Ordinal) || seen.Note.Contains("stopped", StringComparison.Ordinal)) ? "none" : seen.FromDistribution && _llm.Scorer is not null ? "llm, P(yes) from the next-token distribution" : "llm, yes/no read from the answer",
            ImageDepth = seen.Depth,
            ImageTime = seen.Elapsed,
            ImageNote = seen.Note,
            ImageSecondsPerCandidate = seen.SecondsPerCandidate,
            ImageSide = _options.JudgeImageSide,
        };
        bool degraded = text.Depth < candidates.Count || (seen.Depth < planned && seen.Note.Length > 0 && !seen.Note.StartsWith("all", StringComparison.Ordinal));
        if (text.Depth == 0 && seen.Depth == 0)
        {
            degraded = true;
        }

        string detail = report.Describe() + (text.Depth == 0 && seen.Depth == 0 ? " → retrieval order" : "");
        return new RerankOutcome(ranked, seen.Depth, detail, degraded) { Cascade = report };
    }

    /// <summary>Stage-1 scores on 0..1: probabilities as they are, similarities min-max across the candidates; unjudged ones in the middle.</summary>
    internal static double[] Normalise(double?[] scores, bool probabilities)
    {
        double[] result = new double[scores.Length];
        double[] known = [.. scores.OfType<double>()];
        if (known.Length == 0)
        {
            return result;
        }

        double min = probabilities ? 0 : known.Min(), max = probabilities ? 1 : known.Max();
        double range = max - min;
        double[] scaled = [.. scores.Select(s => s is double v ? (range > 1e-9 ? (v - min) / range : 0.5) : double.NaN)];
        double middle = scaled.Where(double.IsFinite).Order().ElementAt(known.Length / 2);
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = double.IsFinite(scaled[i]) ? scaled[i] : middle;
        }

        return result;
    }
}
