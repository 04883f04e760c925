using System.ComponentModel.DataAnnotations;

namespace AgentRetrieval.Onnx.Generation;

/// <summary>Settings of the in-process multimodal LLM (section <c>Llm</c>).</summary>
public sealed class GenAIChatClientOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Llm";

    /// <summary>The model folder (with <c>genai_config.json</c>); empty means no LLM.</summary>
    public string ModelDirectory { get; set; } = "";

    /// <summary>
    /// The generation length (prompt + answer) to plan for. Set explicitly: without it a real Phi-3-vision config asks
    /// for its whole context (131,072 tokens) and may pre-allocate it. Clamped to the model's context.
    /// </summary>
    [Range(256, 1_048_576)]
    public int MaxLength { get; set; } = 4096;

    /// <summary>Overrides the model's context length (needed for several images in one prompt with small configs).</summary>
    [Range(256, 1_048_576)]
    public int? ContextLength { get; set; }

    /// <summary>Answer tokens at most when the caller sets no limit.</summary>
    [Range(1, 65_536)]
    public int DefaultMaxOutputTokens { get; set; } = 256;

    /// <summary>The largest image accepted, in pixels (checked before decoding).</summary>
    [Range(1, long.MaxValue)]
    public long MaxPixels { get; set; } = Imaging.ImageLoader.DefaultMaxPixels;
}
