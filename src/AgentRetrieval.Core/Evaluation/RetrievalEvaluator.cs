using System.Numerics.Tensors;
using AgentRetrieval.Agent;
using AgentRetrieval.Embeddings;
using AgentRetrieval.Indexing;
using AgentRetrieval.Indexing.Binary;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Evaluation;

/// <summary>What to measure beyond the dense R@K / MAP tables.</summary>
public sealed record EvalRequest
{
    /// <summary>The index folder to build for the split (a fresh one is best).</summary>
    public required string IndexDirectory { get; init; }

    /// <summary>Code lengths to evaluate with ITQ binary codes.</summary>
    public IReadOnlyList<int> CodeBits { get; init; } = [];

    /// <summary>Dialogue rounds after round 0 (ChatIR protocol); 0 for none.</summary>
    public int DialogueRounds { get; init; }

    /// <summary>Makes the agent used for dialogue and rerank runs, over the split's index.</summary>
    public Func<IImageIndex, RetrievalAgent>? AgentFactory { get; init; }

    /// <summary>The rerank strategy to measure (needs an agent with an LLM), or null.</summary>
    public string? RerankStrategy { get; init; }

    /// <summary>Queries for the rerank measurement at most (each costs LLM calls).</summary>
    public int RerankQueries { get; init; } = 20;

    /// <summary>Queries timed for latency at most.</summary>
    public int LatencyQueries { get; init; } = 100;
}

/// <summary>
/// Measures retrieval on an image–caption set: indexes the split with the real indexer, embeds every caption, and
/// reports text→image and image→text R@1/5/10, median rank and MAP (relevance by label when the set has labels),
/// query latency, ITQ binary codes at several lengths, ChatIR-style dialogue Hits@10 per round, and the reranker.
/// </summary>
public sealed class RetrievalEvaluator(
    IEmbeddingGenerator<string, Embedding<float>> textEncoder,
    IEmbeddingGenerator<DataContent, Embedding<float>> imageEncoder,
    ModelIdentity model,
    IndexingOptions indexing,
    TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>Runs the evaluation.</summary>
    /// <param name="dataset">The set.</param>
    /// <param name="split">The split to evaluate.</param>
    /// <param name="request">What to measure.</param>
    /// <param name="progress">Receives short progress lines.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentException">The split is empty.</exception>
    public async Task<EvalReport> EvaluateAsync(EvalDataset dataset, string split, EvalRequest request, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(request);
        IReadOnlyList<EvalItem> all = dataset.Split(split);
        if (all.Count == 0)
        {
            throw new ArgumentException($"The set '{dataset.Name}' has no '{split}' split (it has: {string.Join(", ", dataset.Splits)}).", nameof(split));
        }

        // The split's files, linked into one folder, indexed by the real indexer.
        string links = Path.Combine(request.IndexDirectory, "split-files");
        if (Directory.Exists(links))
        {
            Directory.Delete(links, recursive: true);
        }

        Directory.CreateDirectory(links);
        var skipped = new List<string>();
        var linkOf = new Dictionary<int, string>();
        for (int i = 0; i < all.Count; i++)
        {
            if (!File.Exists(all[i].Path))
            {
                skipped.Add($"{all[i].Path}: missing");
                continue;
            }

            string link = Path.Combine(links, $"{i:D6}{Path.GetExtension(all[i].Path)}");
            File.CreateSymbolicLink(link, Path.GetFullPath(all[i].Path));
            linkOf[i] = link;
        }

        using EmbeddedImageIndex index = EmbeddedImageIndex.Open(request.IndexDirectory);
        progress?.Report($"indexing {linkOf.Count} images of '{split}'");
        IndexReport indexed = await new FolderIndexer(imageEncoder, model, index, indexing, _time).IndexAsync(links, null, cancellationToken);
        skipped.AddRange(indexed.Skipped.Select(s => $"{s.Path}: {s.Reason}"));

        var items = new List<(EvalItem Item, long Id, float[] Vector)>();
        foreach ((int i, string link) in linkOf)
        {
            if (index.GetIdByPath(link) is long id && index.GetVector(id) is { } v)
            {
                items.Add((all[i], id, v));
            }
        }

        int n = items.Count, d = model.Dimensions;
        float[] images = new float[n * d];
        for (int i = 0; i < n; i++)
        {
            items[i].Vector.CopyTo(images, i * d);
        }

        var captions = new List<(string Text, int Item)>();
        for (int i = 0; i < n; i++)
        {
            captions.AddRange(items[i].Item.Captions.Select(c => (c, i)));
        }

        progress?.Report($"embedding {captions.Count} captions");
        GeneratedEmbeddings<Embedding<float>> te = await textEncoder.GenerateAsync(captions.Select(c => c.Text), cancellationToken: cancellationToken);
        int m = captions.Count;
        float[] texts = new float[m * d];
        for (int q = 0; q < m; q++)
        {
            te[q].Vector.Span.CopyTo(texts.AsSpan(q * d, d));
        }

        bool byLabel = items.All(x => x.Item.Label is not null);
        bool Relevant(int captionIndex, int imageIndex) => byLabel
            ? items[captions[captionIndex].Item].Item.Label == items[imageIndex].Item.Label
            : captions[captionIndex].Item == imageIndex;

        float[] sim = new float[m * n];
        Parallel.For(0, m, q =>
        {
            for (int i = 0; i < n; i++)
            {
                sim[(q * n) + i] = TensorPrimitives.Dot(texts.AsSpan(q * d, d), images.AsSpan(i * d, d));
            }
        });
        RetrievalScores t2i = RetrievalMetrics.Evaluate(m, n, (q, i) => sim[(q * n) + i], Relevant);
        RetrievalScores i2t = RetrievalMetrics.Evaluate(n, m, (i, q) => sim[(q * n) + i], (i, q) => Relevant(q, i));

        // Latency: encode a caption and search the index, as a user's query does.
        var latencies = new List<double>();
        foreach ((string text, _) in captions.Take(request.LatencyQueries))
        {
            long t0 = _time.GetTimestamp();
            ReadOnlyMemory<float> v = (await textEncoder.GenerateAsync([text], cancellationToken: cancellationToken))[0].Vector;
            index.Search(v.Span, model, 10);
            latencies.Add(_time.GetElapsedTime(t0).TotalMilliseconds);
        }

        latencies.Sort();
        var codes = new List<CodeScores>();
        foreach (int bits in request.CodeBits)
        {
            if (bits > d)
            {
                codes.Add(new CodeScores(bits, null, null, $"not applicable: {bits} bits > {d} dimensions"));
                continue;
            }

            progress?.Report($"fitting {bits}-bit ITQ codes");
            ItqHasher hasher = ItqHasher.Fit(images, d, bits);
            ulong[] imageCodes = hasher.EncodeAll(images);
            ulong[] textCodes = hasher.EncodeAll(texts);
            int w = hasher.Words;
            RetrievalScores ct2i = RetrievalMetrics.Evaluate(m, n, (q, i) => -ItqHasher.Distance(textCodes.AsSpan(q * w, w), imageCodes.AsSpan(i * w, w)), Relevant);
            RetrievalScores ci2t = RetrievalMetrics.Evaluate(n, m, (i, q) => -ItqHasher.Distance(textCodes.AsSpan(q * w, w), imageCodes.AsSpan(i * w, w)), (i, q) => Relevant(q, i));
            codes.Add(new CodeScores(bits, ct2i, ci2t, null));
        }

        IReadOnlyList<double> dialogue = [];
        if (request.DialogueRounds > 0 && request.AgentFactory is not null)
        {
            progress?.Report($"simulating {n} dialogues of {request.DialogueRounds + 1} rounds");
            dialogue = await DialogueAsync(request.AgentFactory(index), items.Select(x => (x.Item, x.Id)).ToList(), request.DialogueRounds, cancellationToken);
        }

        RerankScores? rerank = null;
        if (request.RerankStrategy is not null && request.AgentFactory is not null)
        {
            progress?.Report($"measuring the {request.RerankStrategy} reranker on {Math.Min(n, request.RerankQueries)} queries");
            rerank = await RerankAsync(request.AgentFactory(index), request.RerankStrategy, items.Select(x => (x.Item, x.Id)).ToList(), request.RerankQueries, cancellationToken);
        }

        return new EvalReport
        {
            Dataset = dataset.Name,
            Split = split,
            Model = model.Key,
            Images = n,
            Captions = m,
            Skipped = skipped,
            RelevanceByLabel = byLabel,
            TextToImage = t2i,
            ImageToText = i2t,
            QueryLatencyMs = latencies.Count == 0 ? (0, 0, 0) : (latencies.Average(), Percentile(latencies, 0.5), Percentile(latencies, 0.95)),
            Codes = codes,
            DialogueHitsAt10 = dialogue,
            Rerank = rerank,
        };
    }

    private static async Task<IReadOnlyList<double>> DialogueAsync(RetrievalAgent agent, List<(EvalItem Item, long Id)> items, int rounds, CancellationToken cancellationToken)
    {
        int[] hits = new int[rounds + 1];
        foreach ((EvalItem item, long id) in items)
        {
            var session = new SearchSession();
            for (int r = 0; r <= rounds; r++)
            {
                // Round 0 is the first caption; each later round adds another caption of the target.
                string message = item.Captions[r % item.Captions.Count];
                AgentTurnResult result = await agent.RunTurnAsync(session, message, cancellationToken);
                if (result.Results.Take(10).Any(x => x.Id == id))
                {
                    hits[r]++;
                }
            }
        }

        return [.. hits.Select(h => 100.0 * h / items.Count)];
    }

    private async Task<RerankScores> RerankAsync(RetrievalAgent agent, string strategy, List<(EvalItem Item, long Id)> items, int limit, CancellationToken cancellationToken)
    {
        var retrievalRanks = new List<int>();
        var rerankRanks = new List<int>();
        double seconds = 0;
        foreach ((EvalItem item, long id) in items.Take(limit))
        {
            long t0 = _time.GetTimestamp();
            AgentTurnResult r = await agent.RunTurnAsync(new SearchSession(), item.Captions[0], cancellationToken);
            seconds += _time.GetElapsedTime(t0).TotalSeconds;
            long[] reranked = [.. r.Results.Select(x => x.Id)];
            long[] retrieval = [.. r.Results.OrderByDescending(x => x.RetrievalScore).Select(x => x.Id)];
            rerankRanks.Add(Rank(reranked, id));
            retrievalRanks.Add(Rank(retrieval, id));
        }

        double map(List<int> ranks) => ranks.Average(x => x <= 10_000 ? 1.0 / x : 0);
        return new RerankScores(strategy, rerankRanks.Count, RetrievalMetrics.Summarise(retrievalRanks, map(retrievalRanks)),
            RetrievalMetrics.Summarise(rerankRanks, map(rerankRanks)), seconds / Math.Max(1, rerankRanks.Count));

        static int Rank(long[] ids, long target)
        {
            int i = Array.IndexOf(ids, target);
            return i < 0 ? 10_001 : i + 1;
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Floor(p * (sorted.Count - 1) + 0.5))];
}
