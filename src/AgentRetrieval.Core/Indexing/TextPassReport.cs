namespace AgentRetrieval.Indexing;

/// <summary>What a text-recognition pass did.</summary>
/// <param name="Recognized">Images whose text was recognised in this pass.</param>
/// <param name="WithText">Of those, how many hold text.</param>
/// <param name="Failed">Images that could not be read or recognised (with the reason).</param>
/// <param name="Elapsed">Time spent.</param>
public sealed record TextPassReport(int Recognized, int WithText, IReadOnlyList<SkippedFile> Failed, TimeSpan Elapsed)
{
    /// <summary>The recogniser that read them (its name).</summary>
    public string? Model { get; init; }

    /// <summary>Images per second.</summary>
    public double Rate => Elapsed.TotalSeconds > 0 ? Recognized / Elapsed.TotalSeconds : 0;
}
