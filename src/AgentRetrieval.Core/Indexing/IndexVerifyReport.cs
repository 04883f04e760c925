namespace AgentRetrieval.Indexing;

/// <summary>What <c>index --verify</c> found.</summary>
/// <param name="Images">Distinct images in the catalogue.</param>
/// <param name="Files">File entries in the catalogue.</param>
/// <param name="IntegrityProblems">SQLite's integrity check, when it is not "ok".</param>
/// <param name="InvalidVectors">Images whose vector cannot be served, with the reason.</param>
/// <param name="MissingFiles">Catalogued files no longer on disk.</param>
public sealed record IndexVerifyReport(int Images, int Files, IReadOnlyList<string> IntegrityProblems, IReadOnlyList<string> InvalidVectors, IReadOnlyList<string> MissingFiles)
{
    /// <summary>Whether everything is as it should be.</summary>
    public bool Healthy => IntegrityProblems.Count == 0 && InvalidVectors.Count == 0 && MissingFiles.Count == 0;
}
