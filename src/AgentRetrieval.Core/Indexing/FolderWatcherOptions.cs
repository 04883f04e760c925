using System.ComponentModel.DataAnnotations;

namespace AgentRetrieval.Indexing;

/// <summary>How folders are watched for new, changed, moved and deleted photos.</summary>
public sealed class FolderWatcherOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Watch";

    /// <summary>How long the folder must be quiet before a batch is indexed (a burst of copies is one batch).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan Debounce { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>The longest a change waits while the folder keeps changing.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>How often a folder without change notifications (a network drive) is rescanned.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Rescan periodically instead of using change notifications (for file systems that do not send them).</summary>
    public bool ForcePolling { get; set; }
}
