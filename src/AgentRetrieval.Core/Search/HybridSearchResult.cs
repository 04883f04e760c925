using AgentRetrieval.Indexing;
using AgentRetrieval.Planning;

namespace AgentRetrieval.Search;

/// <summary>What a planned search found.</summary>
/// <param name="Plan">The plan searched.</param>
/// <param name="Hits">The results, best first (or in date order); <see cref="ImageHit.Score"/> is the image–text similarity (0 for a filter-only listing).</param>
/// <param name="TotalMatches">How many photos the filters let through (the whole index when there are none).</param>
/// <param name="TextMatches">The ids the full-text index matched, with their rank there (1 = best).</param>
/// <param name="Method">How the order was made, in a few words.</param>
public sealed record HybridSearchResult(SearchPlan Plan, IReadOnlyList<ImageHit> Hits, int TotalMatches, IReadOnlyDictionary<long, int> TextMatches, string Method)
{
    /// <summary>Whether the plan's filters let nothing through (an honest "no photos match these filters").</summary>
    public bool FiltersMatchedNothing => Plan.HasFilters && TotalMatches == 0;
}
