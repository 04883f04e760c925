using System.Numerics.Tensors;
using AgentRetrieval.Embeddings;
using AgentRetrieval.Indexing;
using AgentRetrieval.Metadata;
using AgentRetrieval.Planning;

namespace AgentRetrieval.Search;

/// <summary>
/// Runs a <see cref="SearchPlan"/> against the index: the filters select the photos first (in the index, never by
/// cutting the top of a ranked list), then the image–text similarity ranks them and, whenever the full-text index
/// (recognised text, file and folder names, descriptions) matches the request, the two rankings are fused by reciprocal
/// rank fusion. A request made only of filters lists every match in date order, paged.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class HybridSearcher
{
    /// <summary>The k of reciprocal rank fusion (Cormack et al. 2009).</summary>
    public const int FusionK = 60;

    private readonly IImageIndex _index;
    private readonly ModelIdentity _model;
    private readonly Gazetteer? _gazetteer;
    private readonly TimeProvider _time;

    /// <summary>Creates the searcher.</summary>
    /// <param name="index">The index.</param>
    /// <param name="model">The query vectors' model.</param>
    /// <param name="gazetteer">The gazetteer, for place names not in the index (optional).</param>
    /// <param name="timeProvider">The clock that relative dates are resolved against.</param>
    public HybridSearcher(IImageIndex index, ModelIdentity model, Gazetteer? gazetteer = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(model);
        _index = index;
        _model = model;
        _gazetteer = gazetteer;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The gazetteer, when installed.</summary>
    public Gazetteer? Gazetteer => _gazetteer;

    /// <summary>What a plan parser may know now: today, the index's places and cameras, the gazetteer.</summary>
    public PlanContext Context() =>
        new(DateOnly.FromDateTime(_time.GetLocalNow().DateTime), _index.Places(_gazetteer), _index.Cameras(), _gazetteer);

    /// <summary>Parses a request with the rules.</summary>
    /// <param name="request">The request.</param>
    public SearchPlan Plan(string request) => RulePlanParser.Parse(request, Context());

    /// <summary>Searches.</summary>
    /// <param name="plan">The plan.</param>
    /// <param name="queryVector">The query vector (the visual query's, moved by negatives and feedback), or null when there is none.</param>
    /// <param name="roots">The folders in scope (empty: the whole index).</param>
    /// <param name="top">How many results.</param>
    /// <param name="offset">How many to skip (paging).</param>
    /// <returns>The result.</returns>
    public HybridSearchResult Search(SearchPlan plan, ReadOnlySpan<float> queryVector, IReadOnlyList<string>? roots, int top, int offset = 0)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        CatalogFilter filter = CatalogFilter.From(plan, roots);
        IReadOnlySet<long>? allowed = _index.Match(filter);
        int total = allowed?.Count ?? _index.Count;
        var noText = new Dictionary<long, int>();
        if (allowed is { Count: 0 })
        {
            return new HybridSearchResult(plan, [], 0, noText, "filters matched nothing");
        }

        bool hasVector = queryVector.Length > 0 && TensorPrimitives.Norm(queryVector) > 0;
        string? textQuery = plan.TextInImage.Count > 0 ? string.Join(' ', plan.TextInImage) : plan.VisualQuery.Length > 0 ? plan.VisualQuery : null;
        if (!hasVector && textQuery is null)
        {
            (IReadOnlyList<ImageHit> page, int count) = _index.ListByDate(filter, plan.Sort != SearchSort.OldestFirst, offset, top);
            return new HybridSearchResult(plan, FormatTwins.Merge(_index, page), count, noText, plan.Sort == SearchSort.OldestFirst ? "every match, oldest first" : "every match, newest first");
        }

        int depth = offset + top;
        IReadOnlyList<ImageHit> vectorHits = hasVector ? _index.Search(queryVector, _model, Math.Max(depth, 128), allowed) : [];
        IReadOnlyList<(long Id, double Score)> textHits = textQuery is null ? [] : _index.TextSearch(textQuery, plan.TextInImage.Count > 0, allowed, Math.Max(depth, 128));
        var textRank = new Dictionary<long, int>();
        for (int i = 0; i < textHits.Count; i++)
        {
            textRank[textHits[i].Id] = i + 1;
        }

        List<ImageHit> ranked;
        string method;
        if (textHits.Count == 0)
        {
            ranked = [.. vectorHits];
            method = hasVector ? "image–text similarity" : "text search found nothing";
        }
        else
        {
            // Words asked for explicitly ("that says …") weigh twice what the full-text index says about a description.
            double textWeight = plan.TextInImage.Count > 0 ? 2.0 : 1.0;
            var fused = new Dictionary<long, (double Score, ImageHit Hit)>();
            for (int i = 0; i < vectorHits.Count; i++)
            {
                fused[vectorHits[i].Id] = (1.0 / (FusionK + i + 1), vectorHits[i]);
            }

            float[] q = queryVector.ToArray();
            for (int i = 0; i < textHits.Count; i++)
            {
                long id = textHits[i].Id;
                double add = textWeight / (FusionK + i + 1);
                if (fused.TryGetValue(id, out (double Score, ImageHit Hit) f))
                {
                    fused[id] = (f.Score + add, f.Hit);
                }
                else if (_index.GetEntry(id) is { } entry)
                {
                    float similarity = hasVector && _index.GetVector(id) is { } v ? TensorPrimitives.Dot(v, q) : 0f;
                    fused[id] = (add, new ImageHit(id, entry.Paths.Count > 0 ? entry.Paths[0] : "", similarity));
                }
            }

            ranked = [.. fused.Values.OrderByDescending(f => f.Score).ThenBy(f => f.Hit.Id).Select(f => f.Hit)];
            method = hasVector ? $"image–text similarity fused with {textHits.Count} full-text matches (reciprocal rank fusion)" : $"{textHits.Count} full-text matches";
        }

        if (plan.Sort != SearchSort.Relevance)
        {
            bool newest = plan.Sort == SearchSort.NewestFirst;
            ranked = [.. ranked.OrderBy(h => _index.TakenAt(h.Id) is null ? 1 : 0)
                .ThenBy(h => newest ? -(_index.TakenAt(h.Id)?.Ticks ?? 0) : _index.TakenAt(h.Id)?.Ticks ?? 0)];
            method += newest ? ", newest first" : ", oldest first";
        }

        // The same shot in several formats (HEIC and JPEG, RAW and JPEG) is one result with every path.
        ranked = FormatTwins.Merge(_index, ranked);
        return new HybridSearchResult(plan, [.. ranked.Skip(offset).Take(top)], total, textRank, method);
    }
}
