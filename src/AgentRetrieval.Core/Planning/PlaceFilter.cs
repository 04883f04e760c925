using AgentRetrieval.Metadata;

namespace AgentRetrieval.Planning;

/// <summary>A place the request names, resolved to cities or a country.</summary>
/// <param name="Name">The words of the request.</param>
/// <param name="Places">What they resolved to (cities of that name, or one country with a null city).</param>
/// <param name="Source">Where the name was found: <c>index</c> (photos were taken there) or <c>gazetteer</c>.</param>
/// <param name="AlsoAWord">The name is also an ordinary word ("Reading", "Nice"): shown as such in the plan.</param>
public sealed record PlaceFilter(string Name, IReadOnlyList<Place> Places, string Source, bool AlsoAWord = false)
{
    /// <summary>"Lisbon, Portugal" (the first resolution), or the name.</summary>
    public string DisplayName => Places.Count > 0 ? Places[0].DisplayName : Name;
}
