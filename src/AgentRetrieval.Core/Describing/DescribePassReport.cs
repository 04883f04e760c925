using AgentRetrieval.Indexing;

namespace AgentRetrieval.Describing;

/// <summary>What a describing pass did.</summary>
/// <param name="Described">Images described in this run.</param>
/// <param name="Structured">Of those, how many gave a valid structured record (the rest a plain description).</param>
/// <param name="Remaining">Images still without a description by this model.</param>
/// <param name="Failed">Images that could not be read (reported; tried again by the next run).</param>
/// <param name="Elapsed">The time it took.</param>
/// <param name="Model">The describing model's identity.</param>
/// <param name="StoppedBy">Why it stopped before the end ("budget", "cancelled", "the model failed: …"), or null.</param>
public sealed record DescribePassReport(int Described, int Structured, int Remaining, IReadOnlyList<SkippedFile> Failed, TimeSpan Elapsed, string Model, string? StoppedBy)
{
    /// <summary>Images per hour at this run's pace (0 when nothing was described).</summary>
    public double ImagesPerHour => Described == 0 || Elapsed <= TimeSpan.Zero ? 0 : Described / Elapsed.TotalHours;
}
