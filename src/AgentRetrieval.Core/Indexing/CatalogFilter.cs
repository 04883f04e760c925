using AgentRetrieval.Planning;

namespace AgentRetrieval.Indexing;

/// <summary>What a photo must be to be searched at all: the plan's filters and the folders in scope.</summary>
/// <param name="Date">When it was taken.</param>
/// <param name="Place">Where it was taken.</param>
/// <param name="Camera">With which camera.</param>
/// <param name="Folder">A folder name its path must contain.</param>
/// <param name="Roots">Absolute folders it must be under (the folders a command was given), or empty for the whole index.</param>
public sealed record CatalogFilter(DateFilter? Date, PlaceFilter? Place, CameraFilter? Camera, string? Folder, IReadOnlyList<string> Roots)
{
    /// <summary>Whether the filter lets everything through.</summary>
    public bool IsEmpty => Date is null && Place is null && Camera is null && Folder is null && Roots.Count == 0;

    /// <summary>The filter of a plan, within <paramref name="roots"/>.</summary>
    /// <param name="plan">The plan.</param>
    /// <param name="roots">The folders in scope (empty: the whole index).</param>
    public static CatalogFilter From(SearchPlan plan, IReadOnlyList<string>? roots = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new(plan.Date, plan.Place, plan.Camera, plan.Folder, roots ?? []);
    }
}
