using System.ComponentModel.DataAnnotations;

namespace AgentRetrieval.Web;

/// <summary>Settings of the chat page (section <c>Web</c>).</summary>
public sealed class WebOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Web";

    /// <summary>The largest uploaded query image, in bytes.</summary>
    [Range(1024, 256L * 1024 * 1024)]
    public long MaxUploadBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>The largest uploaded query image, in pixels (checked from its header before decoding).</summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadPixels { get; set; } = 40_000_000;

    /// <summary>The longest side of a thumbnail, in pixels.</summary>
    [Range(32, 2048)]
    public int ThumbnailSize { get; set; } = 320;

    /// <summary>How long an idle browser-tab session is kept.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Sessions kept at most (the least recently used go first).</summary>
    [Range(1, 100_000)]
    public int MaxSessions { get; set; } = 200;

    /// <summary>
    /// Host names the server answers to besides the ones it is bound to and localhost / 127.0.0.1 / [::1] (a request
    /// with any other Host header, or a state-changing one from another Origin, is refused: DNS rebinding).
    /// </summary>
    public IList<string> AllowedHosts { get; } = [];

    /// <summary>Folders the page may index (empty: indexing from the page is off).</summary>
    public IList<string> IndexableFolders { get; } = [];
}
