namespace AgentRetrieval.Indexing;

/// <summary>A file and its content's vector, ready to be committed.</summary>
/// <param name="Path">The absolute path.</param>
/// <param name="Hash">SHA-256 of the content (hex).</param>
/// <param name="Size">Bytes.</param>
/// <param name="ModifiedTicks">Last write time, UTC ticks.</param>
/// <param name="Info">The image header.</param>
/// <param name="Vector">The unit-length vector, or <see langword="null"/> when the content is already indexed.</param>
/// <param name="Metadata">What the file's EXIF/XMP says (date, position, camera), when read.</param>
/// <param name="Place">Where it was taken, reverse-geocoded from its position, when known.</param>
public sealed record IndexedFile(string Path, string Hash, long Size, long ModifiedTicks, Imaging.ImageInfo? Info, float[]? Vector,
    Metadata.PhotoMetadata? Metadata = null, Metadata.Place? Place = null);
