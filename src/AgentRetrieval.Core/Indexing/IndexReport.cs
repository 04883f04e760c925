namespace AgentRetrieval.Indexing;

/// <summary>What an indexing run did.</summary>
public sealed record IndexReport
{
    /// <summary>The folder indexed.</summary>
    public required string Root { get; init; }

    /// <summary>Image files found.</summary>
    public int Found { get; init; }

    /// <summary>Files whose size and time had not changed (nothing done).</summary>
    public int Unchanged { get; init; }

    /// <summary>Files whose content was embedded.</summary>
    public int Embedded { get; init; }

    /// <summary>New, moved, renamed or copied files whose content was already indexed (no embedding needed).</summary>
    public int Reused { get; init; }

    /// <summary>File entries removed because the file is gone or no longer readable.</summary>
    public int Removed { get; init; }

    /// <summary>Files and folders not indexed, with reasons.</summary>
    public IReadOnlyList<SkippedFile> Skipped { get; init; } = [];

    /// <summary>Wall time of the run.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Distinct images in the index after the run.</summary>
    public int IndexedImages { get; init; }
}
