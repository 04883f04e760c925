using System.Globalization;
using AgentRetrieval.Agent;
using AgentRetrieval.Prompts;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Reranking;

/// <summary>
/// Cascade stage 2 (BLIP-2's image-text matching): the best candidates after stage 1, those not described yet first, are
/// shown to the multimodal LLM at <see cref="AgentOptions.JudgeImageSide"/> pixels and judged P("yes"); as many as the
/// measured cost per image lets finish before the stage's deadline, at most <see cref="AgentOptions.RerankTopN"/>.
/// </summary>
internal sealed class ImageJudgeStage(LlmGateway llm, IPromptProvider prompts, ImageSource images, AgentOptions options, JudgeCosts costs, TimeProvider time)
{
    /// <summary>What stage 2 found: P(yes) per candidate index (null where not judged).</summary>
    internal sealed record Result(double?[] Scores, int Depth, TimeSpan Elapsed, string Note, double? SecondsPerCandidate, bool FromDistribution);

    public async Task<Result> RunAsync(string query, IReadOnlyList<RankedImage> candidates, IReadOnlyList<CandidateEvidence> evidence, IReadOnlyList<int> order, TimeSpan available, CancellationToken cancellationToken)
    {
        long start = time.GetTimestamp();
        var scores = new double?[candidates.Count];
        int limit = Math.Min(options.RerankTopN, order.Count);
        double? each = costs.Estimate(JudgeCosts.Image);
        if (each is double known && known > available.TotalSeconds)
        {
            return new Result(scores, 0, time.GetElapsedTime(start), string.Create(CultureInfo.InvariantCulture,
                $"skipped: one image costs {known:0.0}s and {Math.Max(0, available.TotalSeconds):0.0}s of the turn's budget are left"), known, true);
        }

        PromptTemplate template = prompts.GetPrompt("rerank-pointwise");
        using var stageCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stageCts.CancelAfter(available > TimeSpan.Zero ? available : TimeSpan.FromMilliseconds(1));
        int judged = 0, unreadable = 0;
        bool fromDistribution = true;
        string? stop = null;
        int concurrency = llm.Concurrency;
        for (int next = 0; next < limit && stop is null;)
        {
            // A batch of calls at once (one in-process, up to Llm:MaxConcurrency with a server), if it can finish in time.
            double? estimate = costs.Estimate(JudgeCosts.Image);
            if (estimate is double e && time.GetElapsedTime(start).TotalSeconds + e > available.TotalSeconds)
            {
                stop = string.Create(CultureInfo.InvariantCulture, $"the budget fits {judged}: {e:0.0}s per image, {available.TotalSeconds:0.0}s were left");
                break;
            }

            int[] batch = [.. order.Skip(next).Take(Math.Min(concurrency, limit - next))];
            next += batch.Length;
            Task<(int Index, double? P, bool Dist, string? Error, bool Unreadable)>[] calls = [.. batch.Select(i => JudgeAsync(template, query, candidates[i], evidence[i], i, stageCts.Token))];
            foreach ((int index, double? p, bool dist, string? error, bool bad) in await Task.WhenAll(calls))
            {
                if (p is double v)
                {
                    scores[index] = v;
                    judged++;
                    fromDistribution &= dist;
                }
                else if (bad)
                {
                    unreadable++;
                }
                else if (error is not null)
                {
                    stop ??= error;
                }
            }
        }

        // The turn's budget ending here is not a failure: what was judged is used (a cancelled turn is rethrown by the agent).
        string note = stop ?? (judged == limit ? $"all {limit} planned (Agent:RerankTopN = {options.RerankTopN})" : "");
        if (unreadable > 0)
        {
            note += $"; {unreadable} unreadable";
        }

        return new Result(scores, judged, time.GetElapsedTime(start), note, costs.Estimate(JudgeCosts.Image), fromDistribution);
    }

    private async Task<(int Index, double? P, bool Dist, string? Error, bool Unreadable)> JudgeAsync(PromptTemplate template, string query, RankedImage c, CandidateEvidence evidence, int index, CancellationToken token)
    {
        try
        {
            long t0 = time.GetTimestamp();
            DataContent picture = await images.ReadAsync(c.Path, options.JudgeImageSide, token);
            List<ChatMessage> messages = PromptMessages.Build(template, new Dictionary<string, string>
            {
                ["image"] = PromptTemplate.ImageMarker,
                ["query"] = query,
                ["caption"] = evidence.Description ?? c.Caption ?? "(none)",
            }, [picture]);
            (double p, bool dist) = await llm.JudgeYesAsync(messages, token);
            costs.Record(JudgeCosts.Image, time.GetElapsedTime(t0));
            return (index, p, dist, null, false);
        }
        catch (Exception ex) when (ex is Imaging.InvalidImageException or IOException or UnauthorizedAccessException)
        {
            return (index, null, false, null, true);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return (index, null, false, "the budget ran out during a judgment", false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return (index, null, false, "stopped: " + Resilience.LlmResilience.Describe(ex), false);
        }
    }
}
