using AgentRetrieval.Metadata;

namespace AgentRetrieval.Planning;

/// <summary>A camera as EXIF names it.</summary>
/// <param name="Make">EXIF Make.</param>
/// <param name="Model">EXIF Model.</param>
public sealed record CameraModel(string? Make, string? Model)
{
    /// <summary>"NIKON D750", "Apple iPhone 12".</summary>
    public string DisplayName => PhotoMetadata.CameraName(Make, Model) ?? "unknown camera";
}
