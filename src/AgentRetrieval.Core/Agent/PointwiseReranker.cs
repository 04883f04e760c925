using System.Globalization;
using AgentRetrieval.Prompts;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Agent;

/// <summary>
/// BLIP-2-style pointwise rerank: for each of the top N candidates the LLM is asked whether the image matches; the
/// match score is P("Yes") read from the next-token logits (renormalised over Yes/No), and the final score is the
/// retrieval cosine plus <see cref="AgentOptions.LlmWeight"/> × P("Yes"), as LAVIS adds ITM to ITC.
/// </summary>
internal sealed class PointwiseReranker(LlmGateway llm, IPromptProvider prompts, ImageSource images, AgentOptions options) : IImageReranker
{
    public string Name => "pointwise";

    public async Task<RerankOutcome> RerankAsync(RerankRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        PromptTemplate template = prompts.GetPrompt("rerank-pointwise");
        int n = Math.Min(options.RerankTopN, request.Candidates.Count);
        var judged = new List<RankedImage>(n);
        bool fromDistribution = true;
        bool degraded = false;
        string? stopped = null;
        for (int i = 0; i < n; i++)
        {
            RankedImage c = request.Candidates[i];
            try
            {
                (double p, bool dist) = await ScoreAsync(template, request.Query, c, cancellationToken);
                fromDistribution &= dist;
                judged.Add(c with { LlmScore = p, FinalScore = c.RetrievalScore + (options.LlmWeight * p) });
            }
            catch (Exception ex) when (ex is Imaging.InvalidImageException or IOException or UnauthorizedAccessException)
            {
                // An unreadable candidate keeps its retrieval score; the others are still judged.
                judged.Add(c);
            }
            catch (Exception ex) when (judged.Count > 0)
            {
                // Keep what was judged: a timeout, a failure or the end of the turn's budget stops the rest.
                stopped = Resilience.LlmResilience.Describe(ex);
                degraded = true;
                break;
            }
        }

        if (judged.Count == 0 && n > 0)
        {
            throw new InvalidOperationException("No candidate could be judged.");
        }

        IReadOnlyList<RankedImage> results = Merge(judged, request.Candidates);
        string how = fromDistribution && judged.Count > 0 ? "P(Yes) from logits" : "scores parsed from text (the client gives no next-token probabilities)";
        string detail = string.Create(CultureInfo.InvariantCulture, $"judged {judged.Count(j => j.LlmScore is not null)} of {request.Candidates.Count} candidates, {how}");
        return new RerankOutcome(results, judged.Count, stopped is null ? detail : $"{detail}; stopped early: {stopped}", degraded);
    }

    /// <summary>Judged candidates by final score, then the rest in retrieval order.</summary>
    internal static IReadOnlyList<RankedImage> Merge(List<RankedImage> judged, IReadOnlyList<RankedImage> all)
    {
        var ids = new HashSet<long>(judged.Select(j => j.Id));
        return [.. judged.OrderByDescending(j => j.FinalScore), .. all.Where(c => !ids.Contains(c.Id))];
    }

    private async Task<(double P, bool FromDistribution)> ScoreAsync(PromptTemplate template, string query, RankedImage c, CancellationToken cancellationToken)
    {
        string? caption = images.CachedCaption(c.Id) ?? c.Caption;
        bool textOnly = options.RerankWithCaptions && caption is not null;
        IReadOnlyList<DataContent> pictures = textOnly ? [] : [await images.ReadAsync(c, cancellationToken)];
        List<ChatMessage> messages = PromptMessages.Build(template, new Dictionary<string, string>
        {
            ["image"] = textOnly ? "" : PromptTemplate.ImageMarker,
            ["query"] = query,
            ["caption"] = caption ?? "(none)",
        }, pictures);
        return await llm.JudgeYesAsync(messages, cancellationToken);
    }
}
