namespace AgentRetrieval.Indexing;

/// <summary>What the catalogue knows of one indexed image content.</summary>
/// <param name="Id">The catalogue id.</param>
/// <param name="Hash">SHA-256 of the file content (hex).</param>
/// <param name="Paths">Every indexed file with this content.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Format">The image format.</param>
/// <param name="TakenAt">The EXIF original date, when present.</param>
/// <param name="Metadata">Date (wall-clock), position, camera and orientation, when read.</param>
/// <param name="Place">Where it was taken, when known.</param>
/// <param name="Text">The text recognised in the picture, when any.</param>
/// <param name="Description">The description an MLLM wrote, when any.</param>
public sealed record CatalogEntry(long Id, string Hash, IReadOnlyList<string> Paths, int Width, int Height, string Format, DateTimeOffset? TakenAt,
    Metadata.PhotoMetadata? Metadata = null, Metadata.Place? Place = null, string? Text = null, string? Description = null);
