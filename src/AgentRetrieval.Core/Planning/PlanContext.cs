using AgentRetrieval.Metadata;

namespace AgentRetrieval.Planning;

/// <summary>What a plan parser may know: today, the places and cameras the index holds, and the gazetteer.</summary>
/// <param name="Today">Today's date where the user is (from the injected clock).</param>
/// <param name="IndexPlaces">Every place (city and country) where indexed photos were taken.</param>
/// <param name="IndexCameras">Every camera that took indexed photos.</param>
/// <param name="Gazetteer">The offline gazetteer, when installed.</param>
public sealed record PlanContext(DateOnly Today, IReadOnlyList<Place> IndexPlaces, IReadOnlyList<CameraModel> IndexCameras, Gazetteer? Gazetteer)
{
    /// <summary>A context that knows only today's date.</summary>
    /// <param name="timeProvider">The clock.</param>
    public static PlanContext Empty(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        return new(DateOnly.FromDateTime(timeProvider.GetLocalNow().DateTime), [], [], null);
    }
}
