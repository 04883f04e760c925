using System.ComponentModel.DataAnnotations;

namespace AgentRetrieval.Tools;

/// <summary>What the tools offered to other agents (Semantic Kernel plugin, MCP server) may touch and return.</summary>
public sealed class ImageToolsOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Tools";

    /// <summary>Folders whose images tool arguments may name (find_similar, describe_image). Indexed images are always allowed by id.</summary>
    public IList<string> ReadableFolders { get; } = [];

    /// <summary>Folders that index_folder may index (and their sub-folders); empty means index_folder is off.</summary>
    public IList<string> IndexableFolders { get; } = [];

    /// <summary>The most results one call returns.</summary>
    [Range(1, 100)]
    public int MaxResults { get; set; } = 20;

    /// <summary>The most images (thumbnails) one call returns.</summary>
    [Range(0, 32)]
    public int MaxImages { get; set; } = 4;

    /// <summary>The most bytes of one returned image.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxImageBytes { get; set; } = 200 * 1024;

    /// <summary>The longest side of a returned thumbnail, in pixels.</summary>
    [Range(32, 2048)]
    public int ThumbnailSize { get; set; } = 384;

    /// <summary>How long an idle refine_search session is kept.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Sessions kept at most.</summary>
    [Range(1, 100_000)]
    public int MaxSessions { get; set; } = 256;
}
