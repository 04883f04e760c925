namespace AgentRetrieval.Planning;

/// <summary>A camera the request names, resolved against the cameras in the index.</summary>
/// <param name="Name">The words of the request ("Nikon", "iPhone").</param>
/// <param name="Models">The (make, model) pairs of the index that match; empty when the index has no such camera.</param>
public sealed record CameraFilter(string Name, IReadOnlyList<CameraModel> Models)
{
    /// <summary>The matched cameras' names, or the request's words.</summary>
    public string DisplayName => Models.Count == 0 ? Name : string.Join(" / ", Models.Select(m => m.DisplayName));
}
