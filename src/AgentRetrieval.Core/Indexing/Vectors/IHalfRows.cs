namespace AgentRetrieval.Indexing.Vectors;

/// <summary>
/// Where the exact scores read each snapshot row's float16 values: from <see cref="HalfColumns"/> (a long-running host's
/// copy in huge pages) or straight from the mapped vector file. The scans are generic over it, so each source gets its
/// own compiled loop without a call per row.
/// </summary>
internal unsafe interface IHalfRows
{
    /// <summary>Values of one row.</summary>
    int Dimensions { get; }

    /// <summary>The first value of snapshot row <paramref name="row"/>.</summary>
    Half* Row(int row);
}
