using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Text;
using AgentRetrieval.Embeddings;
using AgentRetrieval.Indexing;
using AgentRetrieval.Planning;
using AgentRetrieval.Prompts;
using AgentRetrieval.Search;
using AgentRetrieval.Resilience;
using AgentRetrieval.Telemetry;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;

namespace AgentRetrieval.Agent;

/// <summary>
/// The conversational image-search agent. Each user turn runs one pipeline, stage by stage:
/// <list type="number">
/// <item><b>rewrite</b>: the whole dialogue plus feedback becomes one retrieval query (LLM, as in ChatIR/EIIRwQR), or
/// the rule-based condensation when there is no LLM or it fails;</item>
/// <item><b>retrieve</b>: CLIP top-K (128) with the query vector moved by Rocchio feedback, negated terms and image queries;</item>
/// <item><b>clarify</b> (optional): one question when the candidates split into two clearly different groups;</item>
/// <item><b>rerank</b>: the LLM judges the best candidates (pointwise or listwise), BLIP-2 style;</item>
/// <item><b>respond</b>: the pick with a one-line reason, or an honest "nothing here matches well".</item>
/// </list>
/// Every LLM call goes through the <c>llm</c> resilience pipeline and the turn's time budget; a failing stage degrades
/// (rerank → retrieval order, rewrite → rule-based query) and the answer says so.
/// </summary>
/// <remarks>Thread-safe across sessions; one turn at a time per session.</remarks>
public sealed class RetrievalAgent
{
    private const int MaxQueryCharacters = 300;
    private readonly IEmbeddingGenerator<string, Embedding<float>> _textEncoder;
    private readonly IEmbeddingGenerator<DataContent, Embedding<float>>? _imageEncoder;
    private readonly IImageIndex _index;
    private readonly ModelIdentity _model;
    private readonly IPromptProvider _prompts;
    private readonly AgentOptions _options;
    private readonly TimeProvider _time;
    private readonly LlmGateway? _llm;
    private readonly ImageSource _images;
    private readonly IImageReranker? _reranker;
    private readonly ILogger _logger;
    private readonly HybridSearcher _searcher;
    private (int Count, double? Threshold)? _calibration;

    /// <summary>Creates the agent.</summary>
    /// <param name="textEncoder">CLIP's text encoder.</param>
    /// <param name="imageEncoder">CLIP's image encoder, for image queries (optional).</param>
    /// <param name="index">The image index.</param>
    /// <param name="model">The encoders' identity (must match the index).</param>
    /// <param name="prompts">The prompt files.</param>
    /// <param name="options">Settings.</param>
    /// <param name="chatClient">The multimodal LLM, or null to run without one.</param>
    /// <param name="llmPipeline">The resilience pipeline for LLM calls (default: <see cref="LlmResilience.CreatePipeline"/>).</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="maxPixels">The largest candidate image sent to the LLM.</param>
    /// <param name="logger">Receives degraded stages (Warning) and turn summaries (Debug).</param>
    /// <param name="gazetteer">Names places in requests that the index does not hold (optional).</param>
    /// <param name="textRelevance">The cascade's small stage-1 judge (MiniLM), used when the LLM would not fit the budget.</param>
    /// <param name="multilingualRelevance">A stage-1 judge for requests not in English (the multilingual retrieval model's text tower).</param>
    public RetrievalAgent(
        IEmbeddingGenerator<string, Embedding<float>> textEncoder,
        IEmbeddingGenerator<DataContent, Embedding<float>>? imageEncoder,
        IImageIndex index,
        ModelIdentity model,
        IPromptProvider prompts,
        AgentOptions options,
        IChatClient? chatClient = null,
        ResiliencePipeline? llmPipeline = null,
        TimeProvider? timeProvider = null,
        long maxPixels = Imaging.ImageLoader.DefaultMaxPixels,
        ILogger? logger = null,
        Metadata.Gazetteer? gazetteer = null,
        Reranking.ITextRelevance? textRelevance = null,
        Reranking.ITextRelevance? multilingualRelevance = null)
    {
        ArgumentNullException.ThrowIfNull(textEncoder);
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        _textEncoder = textEncoder;
        _imageEncoder = imageEncoder;
        _index = index;
        _model = model;
        _prompts = prompts;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _images = new ImageSource(index as ICaptionStore, maxPixels);
        _logger = logger ?? NullLogger.Instance;
        _searcher = new HybridSearcher(index, model, gazetteer, _time);
        if (chatClient is not null)
        {
            _llm = new LlmGateway(chatClient, llmPipeline ?? LlmResilience.CreatePipeline(options, _time), options);
            _reranker = options.RerankStrategy switch
            {
                "cascade" => new Reranking.CascadeReranker(_llm, prompts, _images, index, options, textRelevance, multilingualRelevance, JudgeCosts, _time),
                "pointwise" => new PointwiseReranker(_llm, prompts, _images, options),
                "listwise" => new ListwiseReranker(_llm, prompts, _images, options),
                _ => null,
            };
        }
    }

    /// <summary>The measured cost of the LLM's judgments in this process (the cascade sizes its stages by it).</summary>
    public Reranking.JudgeCosts JudgeCosts { get; } = new();

    /// <summary>How many turns are running now (a background describing pass waits while there are any).</summary>
    public int TurnsInFlight => Volatile.Read(ref _turnsInFlight);

    private int _turnsInFlight;

    /// <summary>Whether an LLM is configured.</summary>
    public bool HasLlm => _llm is not null;

    /// <summary>The planned, filtered, hybrid search the agent retrieves with (shared with hosts that search directly).</summary>
    public HybridSearcher Searcher => _searcher;

    /// <summary>Runs one turn and returns its result (the streaming variant's updates collected).</summary>
    /// <param name="session">The conversation.</param>
    /// <param name="message">The user's message (may be empty after feedback or with an image query).</param>
    /// <param name="cancellationToken">Cancels the turn.</param>
    /// <returns>The result.</returns>
    public async Task<AgentTurnResult> RunTurnAsync(SearchSession session, string? message, CancellationToken cancellationToken = default)
    {
        AgentTurnResult? result = null;
        await foreach (AgentUpdate update in RunTurnStreamingAsync(session, message, cancellationToken))
        {
            if (update is TurnCompleted done)
            {
                result = done.Result;
            }
        }

        return result!;
    }

    private sealed class TurnMark : IDisposable
    {
        private RetrievalAgent? _agent;

        public TurnMark(RetrievalAgent agent)
        {
            _agent = agent;
            Interlocked.Increment(ref agent._turnsInFlight);
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _agent, null) is { } a)
            {
                Interlocked.Decrement(ref a._turnsInFlight);
            }
        }
    }

    /// <summary>Runs one turn, streaming stage reports and the answer text as they are made.</summary>
    /// <param name="session">The conversation.</param>
    /// <param name="message">The user's message (may be empty after feedback or with an image query).</param>
    /// <param name="cancellationToken">Cancels the turn.</param>
    /// <returns>Updates; the last is <see cref="TurnCompleted"/>.</returns>
    /// <exception cref="ArgumentException">The message is empty with nothing else to search for, or too long.</exception>
    public async IAsyncEnumerable<AgentUpdate> RunTurnStreamingAsync(
        SearchSession session, string? message, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        string text = (message ?? "").Trim();
        if (text.Length > _options.MaxMessageCharacters)
        {
            throw new ArgumentException($"The message has {text.Length} characters; the limit is {_options.MaxMessageCharacters} (Agent:MaxMessageCharacters).");
        }

        bool hasSomething = text.Length > 0 || session.Turns.Any(t => t.Role == DialogueRole.User) || session.QueryImage is not null || session.Filters is { Any: true }
            || session.Liked.Count > 0 || session.MoreLike.Count > 0;
        if (!hasSomething)
        {
            throw new ArgumentException("Tell me what to look for: describe the image, give an image, or say which results you like.");
        }

        if (text.Length > 0)
        {
            session.AddUserMessage(text);
        }

        using var turnMark = new TurnMark(this);
        using var budgetCts = new CancellationTokenSource(_options.TurnBudget, _time);
        using var turnCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budgetCts.Token);
        CancellationToken budget = turnCts.Token;
        var stages = new List<StageReport>();
        using Activity? turnActivity = AgentTelemetry.StartTurn();
        long turnStart = _time.GetTimestamp();

        // 1. Rewrite: the dialogue and feedback become one search plan (filters, text to find, exclusions, visual query).
        long t0 = _time.GetTimestamp();
        Activity? stageActivity = AgentTelemetry.StartStage("rewrite", turnActivity);
        PlanContext planContext = _searcher.Context();
        SearchPlan plan = PlanMerger.Merge(session.Turns, planContext, session.DroppedFilters);
        StageReport rewrite;
        if (_llm is null)
        {
            rewrite = new StageReport("rewrite", true, false, "rules (no LLM configured): " + plan.Describe(), _time.GetElapsedTime(t0));
        }
        else
        {
            (SearchPlan? llmPlan, string? failure) = await TryRewriteAsync(session, planContext, budget);
            cancellationToken.ThrowIfCancellationRequested();
            if (llmPlan is not null)
            {
                plan = PlanMerger.Drop(llmPlan, session.DroppedFilters);
            }

            rewrite = failure is null
                ? new StageReport("rewrite", true, false, "LLM plan: " + plan.Describe(), _time.GetElapsedTime(t0))
                : new StageReport("rewrite", true, true, $"{failure} → rules' plan: {plan.Describe()}", _time.GetElapsedTime(t0));
        }

        if (session.Filters is { } explicitFilters)
        {
            plan = explicitFilters.Apply(plan, planContext);
        }

        string query = plan.VisualQuery;
        IReadOnlyList<string> negatives = plan.NegativeTerms;
        stages.Add(rewrite);
        AgentTelemetry.EndStage(stageActivity, rewrite);
        yield return new StageCompleted(rewrite);

        // 2. Retrieve
        t0 = _time.GetTimestamp();
        stageActivity = AgentTelemetry.StartStage("retrieve", turnActivity);
        (IReadOnlyList<RankedImage> candidates, HybridSearchResult found) = await RetrieveAsync(session, plan, cancellationToken);
        var retrieve = new StageReport("retrieve", true, false,
            string.Create(CultureInfo.InvariantCulture, $"{candidates.Count} candidates of {found.TotalMatches}{(plan.HasFilters ? " matching the filters" : "")} ({found.Method}){FeedbackNote(session)}"), _time.GetElapsedTime(t0));
        stages.Add(retrieve);
        AgentTelemetry.EndStage(stageActivity, retrieve);
        yield return new StageCompleted(retrieve);
        yield return new CandidatesRetrieved([.. candidates.Take(_options.ResultCount)]);

        // 3. Clarify (at most once per session, on the first request)
        if (_llm is not null && _options.Clarify && !plan.IsFilterOnly && query.Length > 0 && !session.AskedClarifyingQuestion && session.Turns.Count(t => t.Role == DialogueRole.User) == 1 && candidates.Count >= 8)
        {
            t0 = _time.GetTimestamp();
            stageActivity = AgentTelemetry.StartStage("clarify", turnActivity);
            (string? question, string detail) = await TryClarifyAsync(text, candidates, budget);
            cancellationToken.ThrowIfCancellationRequested();
            var clarify = new StageReport("clarify", true, false, detail, _time.GetElapsedTime(t0));
            stages.Add(clarify);
            AgentTelemetry.EndStage(stageActivity, clarify);
            yield return new StageCompleted(clarify);
            if (question is not null)
            {
                session.AskedClarifyingQuestion = true;
                session.AddAssistantMessage(question);
                yield return new AnswerDelta(question);
                var asked = new AgentTurnResult
                {
                    Query = query,
                    Plan = plan,
                    TotalMatches = found.TotalMatches,
                    NegativeTerms = negatives,
                    Results = [.. candidates.Take(_options.ResultCount)],
                    ClarifyingQuestion = question,
                    Answer = question,
                    Reason = "The best matches fall into two different groups.",
                    Stages = stages,
                    CandidateCount = candidates.Count,
                };
                session.Complete(asked);
                AgentTelemetry.EndTurn(turnActivity, _time.GetElapsedTime(turnStart), candidates.Count, noMatch: false);
                yield return new TurnCompleted(asked);
                yield break;
            }
        }

        // 4. Rerank
        t0 = _time.GetTimestamp();
        stageActivity = AgentTelemetry.StartStage("rerank", turnActivity);
        IReadOnlyList<RankedImage> ranked = candidates;
        StageReport rerank;
        Reranking.CascadeReport? cascade = null;
        bool listing = plan.IsFilterOnly && session.QueryImage is null && session.Liked.Count == 0 && session.MoreLike.Count == 0;
        if (_reranker is null || candidates.Count == 0 || listing)
        {
            string why = _llm is null ? "off (no LLM configured)" : candidates.Count == 0 ? "nothing to rerank" : listing ? "not needed: the request is only filters" : "off (Agent:RerankStrategy = none)";
            rerank = new StageReport("rerank", false, false, why, _time.GetElapsedTime(t0));
        }
        else
        {
            (RerankOutcome? outcome, string? failure) = await TryRerankAsync(query, candidates, _options.TurnBudget - _time.GetElapsedTime(turnStart), budget);
            cancellationToken.ThrowIfCancellationRequested();
            if (outcome is not null)
            {
                ranked = outcome.Results;
                cascade = outcome.Cascade;
                AgentTelemetry.CandidatesJudged.Add(outcome.Results.Count(r => r.LlmScore is not null), new KeyValuePair<string, object?>("judge", _reranker.Name));
                rerank = new StageReport("rerank", true, outcome.Degraded, $"{_reranker.Name}: {outcome.Detail}", _time.GetElapsedTime(t0));
            }
            else
            {
                rerank = new StageReport("rerank", true, true, $"{_reranker.Name} failed: {failure} → retrieval order", _time.GetElapsedTime(t0));
            }
        }

        stages.Add(rerank);
        AgentTelemetry.EndStage(stageActivity, rerank);
        yield return new StageCompleted(rerank);

        // 5. Respond
        t0 = _time.GetTimestamp();
        stageActivity = AgentTelemetry.StartStage("respond", turnActivity);
        RankedImage[] results = [.. ranked.Take(_options.ResultCount)];
        RankedImage? best = results.FirstOrDefault();
        double minScore = await NoMatchThresholdAsync(cancellationToken);

        // A result the full-text index found (the words in the picture, its name, its description) matches on that evidence.
        bool textMatched = best is not null && found.TextMatches.ContainsKey(best.Id);
        // When the LLM judged the best candidate, its match probability decides; else the learned similarity threshold
        // (or the full-text index's evidence) does.
        bool noMatch = !listing && (best is null
            || (_reranker is PointwiseReranker or Reranking.CascadeReranker && best.LlmScore is double p ? p < _options.MinMatchProbability : !textMatched && best.RetrievalScore < minScore));
        var answer = new StringBuilder();
        string head = found.FiltersMatchedNothing ? "No photos match these filters: " + string.Join(", ", plan.DescribeFilters()) + "."
            : listing ? string.Create(CultureInfo.InvariantCulture, $"{found.TotalMatches} photos {string.Join(", ", plan.DescribeFilters())}, {(plan.Sort == SearchSort.OldestFirst ? "oldest" : "newest")} first.")
            : Headline(best, noMatch, query);
        answer.Append(head);
        yield return new AnswerDelta(head);

        string reason;
        bool respondDegraded = false;
        string respondDetail;
        if (found.FiltersMatchedNothing || listing)
        {
            reason = found.FiltersMatchedNothing ? "Drop a filter (say \"any year\", \"anywhere\" or \"any camera\") or change it." : $"Showing the first {results.Length}.";
            respondDetail = "template answer (filters only)";
            answer.Append(' ').Append(reason);
            yield return new AnswerDelta(" " + reason);
        }
        else if (best is null || noMatch || _llm is null)
        {
            reason = best is null || noMatch ? NoMatchReason(best, minScore) : RuleReason(best, query, session);
            respondDetail = _llm is null ? "template answer (no LLM configured)" : "template answer (no match to explain)";
            answer.Append(' ').Append(reason);
            yield return new AnswerDelta(" " + reason);
        }
        else
        {
            var reasonText = new StringBuilder();
            string? failure = null;
            IAsyncEnumerator<string>? stream = null;
            try
            {
                stream = (await ReasonStreamAsync(best, query, budget)).GetAsyncEnumerator(budget);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failure = LlmResilience.Describe(ex);
            }

            if (stream is not null)
            {
                await using (stream)
                {
                    answer.Append(' ');
                    yield return new AnswerDelta(" ");
                    while (true)
                    {
                        string? piece = null;
                        try
                        {
                            if (!await stream.MoveNextAsync())
                            {
                                break;
                            }

                            piece = stream.Current;
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                        {
                            failure = LlmResilience.Describe(ex);
                            break;
                        }

                        reasonText.Append(piece);
                        answer.Append(piece);
                        yield return new AnswerDelta(piece);
                    }
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (failure is not null && reasonText.Length == 0)
            {
                string fallback = RuleReason(best, query, session);
                answer.Append(' ').Append(fallback);
                yield return new AnswerDelta(" " + fallback);
                reasonText.Append(fallback);
                respondDegraded = true;
                respondDetail = $"{failure} → template reason";
            }
            else
            {
                respondDetail = failure is null ? "LLM reason, streamed" : $"reason cut short: {failure}";
                respondDegraded = failure is not null;
            }

            reason = LlmGateway.FirstLine(reasonText.ToString());
        }

        var respond = new StageReport("respond", true, respondDegraded, respondDetail, _time.GetElapsedTime(t0));
        stages.Add(respond);
        AgentTelemetry.EndStage(stageActivity, respond);
        string summary = "\n" + StageSummary(stages);
        answer.Append(summary);
        yield return new AnswerDelta(summary) { IsStageSummary = true };
        yield return new StageCompleted(respond);

        foreach (StageReport s in stages.Where(s => s.Degraded))
        {
            _logger.StageDegraded(s.Stage, s.Detail);
        }

        _logger.RetrievalQuery(query);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            _logger.TurnFinished(string.Join("; ", stages.Select(s => $"{s.Stage} {s.Elapsed.TotalMilliseconds:0} ms")));
        }
        var result = new AgentTurnResult
        {
            Query = query,
            Plan = plan,
            TotalMatches = found.TotalMatches,
            NegativeTerms = negatives,
            Results = results,
            Pick = noMatch || listing || found.FiltersMatchedNothing ? null : best,
            Reason = reason,
            NoMatch = noMatch || found.FiltersMatchedNothing,
            Answer = answer.ToString(),
            AllRanked = ranked,
            StageSummary = summary,
            Cascade = cascade,
            Stages = stages,
            CandidateCount = candidates.Count,
        };
        session.AddAssistantMessage(found.FiltersMatchedNothing ? head : listing ? head : noMatch ? "Nothing matched well." : $"I showed {Path.GetFileName(best!.Path)}: {reason}");
        session.Complete(result);
        AgentTelemetry.EndTurn(turnActivity, _time.GetElapsedTime(turnStart), candidates.Count, result.NoMatch);
        yield return new TurnCompleted(result);
    }

    /// <summary>The caption of an image: cached, or made by the LLM and cached; null without an LLM.</summary>
    /// <param name="image">The image.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The caption, or null.</returns>
    public async Task<string?> CaptionAsync(RankedImage image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        // A description written at index time says what a caption would (and more): no LLM call needed.
        string? cached = _images.CachedCaption(image.Id) ?? image.Caption
            ?? (_index.GetEntry(image.Id)?.Description is { Length: > 0 } d ? d.Split('\n')[0] : null);
        if (cached is not null || _llm is null)
        {
            return cached;
        }

        DataContent picture = await _images.ReadAsync(image, cancellationToken);
        List<ChatMessage> messages = PromptMessages.Build(_prompts.GetPrompt("caption"), new Dictionary<string, string> { ["image"] = PromptTemplate.ImageMarker }, [picture]);
        string caption = LlmGateway.FirstLine(await _llm.CompleteAsync(messages, cancellationToken));
        if (caption.Length > 0)
        {
            _images.StoreCaption(image.Id, caption);
        }

        return caption.Length > 0 ? caption : null;
    }

    private async Task<(SearchPlan? Plan, string? Failure)> TryRewriteAsync(SearchSession session, PlanContext context, CancellationToken budget)
    {
        try
        {
            var dialogue = new StringBuilder();
            foreach (DialogueTurn t in session.Turns)
            {
                dialogue.Append(t.Role == DialogueRole.User ? "User: " : "Assistant: ").Append(t.Text).Append('\n');
            }

            string liked = await CaptionListAsync(session.Liked.Concat(session.MoreLike), session, budget);
            string disliked = await CaptionListAsync(session.Disliked, session, budget);
            List<ChatMessage> messages = PromptMessages.Build(_prompts.GetPrompt("rewrite"), new Dictionary<string, string>
            {
                ["dialogue"] = dialogue.ToString().TrimEnd(),
                ["liked"] = liked,
                ["disliked"] = disliked,
                ["today"] = context.Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            });
            string output = await _llm!.CompleteAsync(messages, budget);
            if (!LlmPlanParser.TryParse(output, context, out SearchPlan plan, out string error))
            {
                return (null, error);
            }

            if (plan.VisualQuery.Length == 0 && !plan.HasFilters && plan.TextInImage.Count == 0)
            {
                return (null, "the model gave an empty plan");
            }

            return (plan, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || budget.IsCancellationRequested)
        {
            return (null, "rewrite failed: " + LlmResilience.Describe(ex));
        }
    }

    private async Task<string> CaptionListAsync(IEnumerable<long> ids, SearchSession session, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        foreach (long id in ids.Distinct().Take(3))
        {
            RankedImage? shown = session.LastResults.FirstOrDefault(r => r.Id == id);
            string? path = shown?.Path ?? (_index.GetEntry(id)?.Paths is { Count: > 0 } paths ? paths[0] : null);
            if (path is null)
            {
                continue;
            }

            string? caption = await CaptionAsync(shown ?? new RankedImage(id, path, 0, null, 0), cancellationToken);
            lines.Add("- " + (caption ?? Path.GetFileNameWithoutExtension(path)));
        }

        return lines.Count == 0 ? "(none)" : string.Join('\n', lines);
    }

    private async Task<(IReadOnlyList<RankedImage> Candidates, HybridSearchResult Found)> RetrieveAsync(SearchSession session, SearchPlan plan, CancellationToken cancellationToken)
    {
        float[] q = new float[_model.Dimensions];
        if (plan.VisualQuery.Length > 0)
        {
            q = (await _textEncoder.GenerateAsync([plan.VisualQuery], cancellationToken: cancellationToken))[0].Vector.ToArray();
        }

        if (plan.NegativeTerms.Count > 0 && _options.NegationWeight > 0 && plan.VisualQuery.Length > 0)
        {
            GeneratedEmbeddings<Embedding<float>> neg = await _textEncoder.GenerateAsync(plan.NegativeTerms, cancellationToken: cancellationToken);
            foreach (Embedding<float> n in neg)
            {
                TensorPrimitives.MultiplyAdd(n.Vector.Span, (float)(-_options.NegationWeight / neg.Count), q, q);
            }
        }

        if (session.QueryImage is { } image && _imageEncoder is not null)
        {
            float[] v = (await _imageEncoder.GenerateAsync([new DataContent(image, "application/octet-stream")], cancellationToken: cancellationToken))[0].Vector.ToArray();
            TensorPrimitives.Add(q, v, q);
        }

        float[][] liked = [.. session.Liked.Concat(session.MoreLike).Distinct().Select(_index.GetVector).OfType<float[]>()];
        float[][] disliked = [.. session.Disliked.Select(_index.GetVector).OfType<float[]>()];
        float[] moved = TensorPrimitives.Norm(q) == 0 && liked.Length == 0 ? [] : Rocchio.Apply(Rocchio.Normalize(q), liked, disliked, _options.RocchioAlpha, _options.RocchioBeta, _options.RocchioGamma);
        if (moved.Length > 0 && TensorPrimitives.Norm(moved) == 0)
        {
            moved = [];
        }

        HybridSearchResult found = _searcher.Search(plan, moved, session.Scope, _options.CandidateCount + session.Disliked.Count);
        RankedImage[] candidates = [.. found.Hits.Where(h => !session.Disliked.Contains(h.Id)).Take(_options.CandidateCount)
            .Select(h => new RankedImage(h.Id, h.Path, h.Score, null, h.Score, _images.CachedCaption(h.Id)) { AlsoAt = h.AlsoAt })];
        return (candidates, found);
    }

    private async Task<(RerankOutcome? Outcome, string? Failure)> TryRerankAsync(string query, IReadOnlyList<RankedImage> candidates, TimeSpan remaining, CancellationToken budget)
    {
        try
        {
            return (await _reranker!.RerankAsync(new RerankRequest(query, candidates, remaining), budget), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || budget.IsCancellationRequested)
        {
            return (null, LlmResilience.Describe(ex));
        }
    }

    private async Task<(string? Question, string Detail)> TryClarifyAsync(string request, IReadOnlyList<RankedImage> candidates, CancellationToken budget)
    {
        RankedImage[] top = [.. candidates.Take(16)];
        float[][] vectors = [.. top.Select(c => _index.GetVector(c.Id) ?? [])];
        if (vectors.Any(v => v.Length == 0))
        {
            return (null, "not asked: vectors unavailable");
        }

        (int[] assignment, double separation) = TwoMeans(vectors);
        int sizeA = assignment.Count(a => a == 0), sizeB = top.Length - sizeA;
        if (separation < _options.ClarifySeparation || Math.Min(sizeA, sizeB) < top.Length / 4)
        {
            return (null, string.Create(CultureInfo.InvariantCulture, $"not asked: the candidates do not split clearly (separation {separation:0.00}, groups {sizeA}/{sizeB})"));
        }

        try
        {
            // The best-ranked member of each group stands for it.
            RankedImage a = top[Array.IndexOf(assignment, 0)], b = top[Array.IndexOf(assignment, 1)];
            string captionA = await CaptionAsync(a, budget) ?? Path.GetFileNameWithoutExtension(a.Path);
            string captionB = await CaptionAsync(b, budget) ?? Path.GetFileNameWithoutExtension(b.Path);
            List<ChatMessage> messages = PromptMessages.Build(_prompts.GetPrompt("clarify"), new Dictionary<string, string>
            {
                ["request"] = request,
                ["group_a"] = captionA,
                ["group_b"] = captionB,
            });
            string question = LlmGateway.FirstLine(await _llm!.CompleteAsync(messages, budget));
            if (question.Length < 5)
            {
                return (null, "not asked: the model gave no usable question");
            }

            if (!question.EndsWith('?'))
            {
                question += "?";
            }

            return (question, string.Create(CultureInfo.InvariantCulture, $"asked: candidates split into groups of {sizeA} and {sizeB} (separation {separation:0.00})"));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || budget.IsCancellationRequested)
        {
            return (null, "not asked: " + LlmResilience.Describe(ex));
        }
    }

    /// <summary>2-means on unit vectors, seeded with the first vector and the one farthest from it; returns groups and 1 − cos(centroids).</summary>
    internal static (int[] Assignment, double Separation) TwoMeans(float[][] vectors)
    {
        int n = vectors.Length, d = vectors[0].Length;
        int far = 0;
        float worst = float.MaxValue;
        for (int i = 1; i < n; i++)
        {
            float s = TensorPrimitives.CosineSimilarity(vectors[0], vectors[i]);
            if (s < worst)
            {
                worst = s;
                far = i;
            }
        }

        float[] c0 = (float[])vectors[0].Clone(), c1 = (float[])vectors[far].Clone();
        int[] assignment = new int[n];
        for (int iteration = 0; iteration < 10; iteration++)
        {
            for (int i = 0; i < n; i++)
            {
                assignment[i] = TensorPrimitives.CosineSimilarity(vectors[i], c0) >= TensorPrimitives.CosineSimilarity(vectors[i], c1) ? 0 : 1;
            }

            float[] n0 = new float[d], n1 = new float[d];
            for (int i = 0; i < n; i++)
            {
                TensorPrimitives.Add(assignment[i] == 0 ? n0 : n1, vectors[i], assignment[i] == 0 ? n0 : n1);
            }

            if (TensorPrimitives.Norm(n0) == 0 || TensorPrimitives.Norm(n1) == 0)
            {
                return (assignment, 0);
            }

            c0 = n0;
            c1 = n1;
        }

        return (assignment, 1 - TensorPrimitives.CosineSimilarity(c0, c1));
    }

    private async Task<IAsyncEnumerable<string>> ReasonStreamAsync(RankedImage best, string query, CancellationToken budget)
    {
        string caption = await CaptionAsync(best, budget) ?? Path.GetFileNameWithoutExtension(best.Path);
        List<ChatMessage> messages = PromptMessages.Build(_prompts.GetPrompt("respond"), new Dictionary<string, string>
        {
            ["query"] = query,
            ["caption"] = caption,
        });
        return _llm!.StreamAsync(messages, budget);
    }

    private static string FeedbackNote(SearchSession s)
    {
        var parts = new List<string>();
        if (s.Liked.Count > 0)
        {
            parts.Add($"{s.Liked.Count} liked");
        }

        if (s.MoreLike.Count > 0)
        {
            parts.Add($"{s.MoreLike.Count} more-like-this");
        }

        if (s.Disliked.Count > 0)
        {
            parts.Add($"{s.Disliked.Count} disliked");
        }

        if (s.QueryImage is not null)
        {
            parts.Add("an image query");
        }

        return parts.Count == 0 ? "" : " (query moved by " + string.Join(", ", parts) + ")";
    }

    private static string Headline(RankedImage? best, bool noMatch, string query) =>
        best is null ? "Nothing found: the index has no images that fit, or it is empty."
        : noMatch ? "Nothing here matches well."
        : string.Create(CultureInfo.InvariantCulture, $"Best match: {Path.GetFileName(best.Path)} (score {best.FinalScore:0.000}).");

    /// <summary>
    /// The similarity a result must reach to count as a match: learned from the index for this model
    /// (<see cref="NoMatchCalibration"/>; recomputed when the index grows by a tenth), else Agent:MinRetrievalScore.
    /// </summary>
    private async Task<double> NoMatchThresholdAsync(CancellationToken cancellationToken)
    {
        if (!_options.CalibrateNoMatch)
        {
            return _options.MinRetrievalScore;
        }

        if (_textEncoder.GetService<ScoreCalibration>() is { } calibrated)
        {
            // The model's own probabilities say what a match is (SigLIP): no need to learn it from meaningless requests.
            return calibrated.CosineAt(_options.MinCalibratedProbability);
        }

        int count = _index.Count;
        if (_calibration is not { } c || Math.Abs(c.Count - count) > c.Count / 10)
        {
            _calibration = (count, await NoMatchCalibration.ThresholdAsync(_textEncoder, _index, _model, cancellationToken));
        }

        return _calibration.Value.Threshold ?? _options.MinRetrievalScore;
    }

    private string NoMatchReason(RankedImage? best, double minScore) => best is null
        ? "Index a folder first, or describe the image differently."
        : string.Create(CultureInfo.InvariantCulture,
            $"The closest is {Path.GetFileName(best.Path)} (similarity {best.RetrievalScore:0.000}{(best.LlmScore is double p ? $", model's match probability {p:0.00}" : "")}), below what a match needs here ({minScore:0.000} similarity{(!_options.CalibrateNoMatch ? "" : _textEncoder.GetService<ScoreCalibration>() is not null ? $", where the model's own match probability reaches {_options.MinCalibratedProbability:0.##}" : ", the best that meaningless requests reach in this index")}; {_options.MinMatchProbability:0.00} probability). Try describing it differently.");

    private static string RuleReason(RankedImage best, string query, SearchSession session)
    {
        // Say what was actually searched: the words, the image given, the feedback.
        var what = new List<string>();
        if (query.Length > 0)
        {
            what.Add($"\"{query}\"");
        }

        if (session.QueryImage is not null)
        {
            what.Add("the image you gave");
        }

        if (session.Liked.Count + session.MoreLike.Count > 0)
        {
            what.Add("the results you liked");
        }

        string target = what.Count == 0 ? "your request" : string.Join(" and ", what);
        return string.Create(CultureInfo.InvariantCulture,
            $"It is the closest to {target} (similarity {best.RetrievalScore:0.000}){(best.Caption is { } c ? $"; caption: {c}" : "")}.");
    }

    private static string StageSummary(IReadOnlyList<StageReport> stages) =>
        "(" + string.Join(" · ", stages.Select(s => $"{s.Stage}: {(s.Ran ? "" : "skipped, ")}{(s.Degraded ? "DEGRADED, " : "")}{s.Detail}")) + ")";
}
