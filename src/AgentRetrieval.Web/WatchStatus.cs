namespace AgentRetrieval.Web;

/// <summary>What the folder watcher of <c>serve</c> is doing, for the page's status line ("indexing 12 new photos").</summary>
/// <remarks>Thread-safe.</remarks>
public sealed class WatchStatus
{
    private volatile string? _activity;

    /// <summary>Creates the status.</summary>
    /// <param name="folders">The watched folders.</param>
    public WatchStatus(IReadOnlyList<string> folders)
    {
        ArgumentNullException.ThrowIfNull(folders);
        Folders = folders;
    }

    /// <summary>The watched folders.</summary>
    public IReadOnlyList<string> Folders { get; }

    /// <summary>What is happening now ("indexing 12 new or changed photos"), or null when idle.</summary>
    public string? Activity
    {
        get => _activity;
        set => _activity = value;
    }

    /// <summary>What the last batch did, or null before the first.</summary>
    public string? Last { get; set; }
}
