namespace AgentRetrieval.Models;

/// <summary>Progress of one file download.</summary>
/// <param name="File">The file's path in the repository.</param>
/// <param name="Bytes">Bytes on disk so far (resumed bytes included).</param>
/// <param name="TotalBytes">The file's size, when known.</param>
/// <param name="Completed">Whether the file is complete and verified.</param>
public sealed record DownloadProgress(string File, long Bytes, long? TotalBytes, bool Completed);
