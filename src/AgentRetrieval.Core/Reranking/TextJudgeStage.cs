using System.Globalization;
using AgentRetrieval.Agent;
using AgentRetrieval.Prompts;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Reranking;

/// <summary>
/// Cascade stage 1: every candidate judged on text (its description, recognised text and metadata against the request).
/// The judge is chosen by measured cost: the LLM (P("yes") per candidate) when all of them fit in
/// <see cref="AgentOptions.TextJudgeBudgetShare"/> of what is left of the turn's budget, otherwise the small local text
/// model. A request that is not in English is never left to an English-only model: the multilingual retrieval tower or
/// the LLM judges it, or the stage says it was skipped.
/// </summary>
internal sealed class TextJudgeStage(LlmGateway? llm, IPromptProvider prompts, AgentOptions options, ITextRelevance? small, ITextRelevance? multilingual, JudgeCosts costs, TimeProvider time)
{
    /// <summary>What stage 1 found.</summary>
    internal sealed record Result(double?[] Scores, string Judge, int Depth, TimeSpan Elapsed, string Note, double? SecondsPerCandidate, bool Probabilities)
    {
        /// <summary>Whether the LLM itself failed (not the budget): stage 2 then does not call it again.</summary>
        public bool LlmFailed { get; init; }
    }

    public async Task<Result> RunAsync(string query, IReadOnlyList<CandidateEvidence> evidence, TimeSpan remaining, CancellationToken cancellationToken)
    {
        long start = time.GetTimestamp();
        int n = evidence.Count;
        var scores = new double?[n];
        // Every candidate is judged: those without a description by their recognised text, date, place and file name
        // (the cascade shows them to the LLM first in stage 2).
        int[] all = [.. Enumerable.Range(0, n)];
        if (n == 0)
        {
            return new Result(scores, "none", 0, time.GetElapsedTime(start), "skipped: no candidates", null, false);
        }

        bool english = RequestLanguage.LooksEnglish(query);
        bool llmFailed = false;
        ITextRelevance? cheap = english ? small ?? multilingual : multilingual;
        string why = english ? "" : "the request is not in English; ";
        if (llm is not null && options.TextJudge != "small")
        {
            TimeSpan allowed = remaining * options.TextJudgeBudgetShare;
            int judged = 0;
            bool fromDistribution = true;
            string? stop = null;
            int[] rest = all;
            if (costs.Estimate(JudgeCosts.Text) is null && cheap is not null && options.TextJudge == "auto")
            {
                // Nothing measured yet with this model: one judgment tells what all of them would cost.
                (judged, fromDistribution, stop) = await JudgeWithLlmAsync(query, evidence, all[..1], scores, allowed, cancellationToken);
                rest = all[1..];
            }

            double? perCandidate = costs.Estimate(JudgeCosts.Text);
            TimeSpan left = allowed - time.GetElapsedTime(start);
            bool fits = stop is null && (perCandidate is not double s || s * rest.Length / llm.Concurrency <= left.TotalSeconds);
            if (options.TextJudge == "llm" || cheap is null || fits)
            {
                (int more, bool dist, string? stop2) = await JudgeWithLlmAsync(query, evidence, rest, scores, left, cancellationToken);
                judged += more;
                fromDistribution &= dist;
                stop ??= stop2;
            }

            llmFailed = stop?.StartsWith("stopped", StringComparison.Ordinal) == true;
            double? measured = costs.Estimate(JudgeCosts.Text);
            if (judged == n || cheap is null)
            {
                string how = fromDistribution ? "llm, P(yes) from the next-token distribution" : "llm, yes/no read from the answer";
                return new Result(scores, how, judged, time.GetElapsedTime(start), why + (stop ?? (cheap is null && !english ? "no small judge reads this language" : "")), measured, true)
                {
                    LlmFailed = llmFailed,
                };
            }

            // The LLM failed or would not judge them all within its share: the small model judges every one instead, so
            // that the scores stay comparable.
            Array.Clear(scores);
            why += llmFailed ? $"the LLM {stop}; "
                : judged > 1 ? string.Create(CultureInfo.InvariantCulture, $"the LLM judged {judged} at {measured:0.00}s each, too slow for {n} in {allowed.TotalSeconds:0}s; ")
                : perCandidate is null ? string.Create(CultureInfo.InvariantCulture, $"the LLM did not finish one judgment in its share of the budget ({allowed.TotalSeconds:0.#}s); ")
                : string.Create(CultureInfo.InvariantCulture, $"the LLM's measured {perCandidate:0.00}s per candidate × {n} does not fit {allowed.TotalSeconds:0.#}s ({options.TextJudgeBudgetShare:P0} of the budget left); ");
        }

        if (cheap is null)
        {
            return new Result(scores, "none", 0, time.GetElapsedTime(start), why + "skipped: no judge for this language", null, false) { LlmFailed = llmFailed };
        }

        long t0 = time.GetTimestamp();
        IReadOnlyList<double> relevance = await cheap.ScoreAsync(query, [.. evidence.Select(e => e.ForEmbedding())], cancellationToken);
        for (int i = 0; i < n; i++)
        {
            scores[i] = relevance[i];
        }

        double each = time.GetElapsedTime(t0).TotalSeconds / n;
        return new Result(scores, cheap.Name, n, time.GetElapsedTime(start), why.TrimEnd(' ', ';'), each, false) { LlmFailed = llmFailed };
    }

    private async Task<(int Judged, bool FromDistribution, string? Stop)> JudgeWithLlmAsync(
        string query, IReadOnlyList<CandidateEvidence> evidence, int[] order, double?[] scores, TimeSpan allowed, CancellationToken cancellationToken)
    {
        PromptTemplate template = prompts.GetPrompt("judge-text");
        using var stageCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stageCts.CancelAfter(allowed > TimeSpan.Zero ? allowed : TimeSpan.FromMilliseconds(1));
        int judged = 0;
        bool fromDistribution = true;
        string? stop = null;
        using var gate = new SemaphoreSlim(llm!.Concurrency);
        var tasks = new List<Task>();
        foreach (int i in order)
        {
            try
            {
                await gate.WaitAsync(stageCts.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                stop = "its share of the budget ran out";
                break;
            }

            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    long t0 = time.GetTimestamp();
                    List<ChatMessage> messages = PromptMessages.Build(template, new Dictionary<string, string>
                    {
                        ["query"] = query,
                        ["evidence"] = evidence[i].ForLlm(),
                    });
                    (double p, bool dist) = await llm.JudgeYesAsync(messages, stageCts.Token);
                    costs.Record(JudgeCosts.Text, time.GetElapsedTime(t0));
                    lock (scores)
                    {
                        scores[i] = p;
                        judged++;
                        fromDistribution &= dist;
                    }
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    lock (scores)
                    {
                        stop ??= stageCts.IsCancellationRequested ? "its share of the budget ran out" : "stopped: " + Resilience.LlmResilience.Describe(ex);
                    }

                    await stageCts.CancelAsync();
                }
                finally
                {
                    gate.Release();
                }
            }, CancellationToken.None));
        }

        await Task.WhenAll(tasks);
        cancellationToken.ThrowIfCancellationRequested();
        return (judged, fromDistribution, stop);
    }
}
