using System.ComponentModel.DataAnnotations;

namespace AgentRetrieval.Indexing;

/// <summary>How folders are indexed and where the index lives.</summary>
public sealed class IndexingOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Indexing";

    /// <summary>The index folder (catalogue and vectors).</summary>
    [Required]
    public string IndexDirectory { get; set; } = ".agentretrieval/index";

    /// <summary>Images embedded and committed together; a kill loses at most one batch.</summary>
    [Range(1, 1024)]
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// Threads that read, hash, decode and preprocess images while the model embeds the previous batch (0: one per
    /// core). Bounded queues between the stages keep memory flat: a slow model holds the readers back.
    /// </summary>
    [Range(0, 64)]
    public int DecodeThreads { get; set; }

    /// <summary>The largest width × height decoded (decompression-bomb guard), checked before decoding.</summary>
    [Range(1, long.MaxValue)]
    public long MaxPixels { get; set; } = Imaging.ImageLoader.DefaultMaxPixels;

    /// <summary>The largest file read, in bytes.</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Whether the text in the pictures is recognised (OCR), as a second pass after the vectors.</summary>
    public bool Ocr { get; set; } = true;

    /// <summary>
    /// The PaddleOCR model: empty for the models the build placed beside the program (PP-OCRv4 mobile, Chinese and
    /// English); a model name from <c>models list</c> installed with <c>models pull</c> (for example a recognition model for
    /// Latin, Korean or Cyrillic text); or a folder. A folder with only a recognition model and its dictionary uses the
    /// bundled detector and classifier.
    /// </summary>
    public string OcrModelDirectory { get; set; } = "";
}
