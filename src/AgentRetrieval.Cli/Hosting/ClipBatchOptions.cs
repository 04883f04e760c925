using System.ComponentModel.DataAnnotations;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>Batch sizes of the CLIP encoders (section <c>Clip</c>).</summary>
internal sealed class ClipBatchOptions
{
    [Range(1, 1024)]
    public int TextBatchSize { get; set; } = 64;

    [Range(1, 1024)]
    public int ImageBatchSize { get; set; } = 16;
}
