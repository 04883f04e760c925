namespace AgentRetrieval.Indexing;

/// <summary>A file and its content's vector, ready to be committed.</summary>
/// <param name="Path">The absolute path.</param>
/// <param name="Hash">SHA-256 of the content (hex).</param>
/// <param name="Size">Bytes.</param>
/// <param name="ModifiedTicks">Last write time, UTC ticks.</param>
/// <param name="Info">The image header.</param>
/// <param name="Vector">The unit-length vector, or <see langword="null"/> when the content is already indexed.</param>
public sealed record IndexedFile(string Path, string Hash, long Size, long ModifiedTicks, Imaging.ImageInfo? Info, float[]? Vector);
