using System.ComponentModel.DataAnnotations;

namespace AgentRetrieval.Onnx.Clip;

/// <summary>Where a CLIP model is and which of its files to run.</summary>
public sealed class ClipModelOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Clip";

    /// <summary>The model folder in the public Hugging Face ONNX layout.</summary>
    [Required]
    public string ModelDirectory { get; set; } = "";

    /// <summary>Which weights: <c>full</c> (float32), <c>quantized</c> (uint8) or <c>fp16</c>.</summary>
    [RegularExpression("^(full|quantized|fp16)$")]
    public string Variant { get; set; } = "full";

    /// <summary>Use the combined <c>onnx/model.onnx</c> even when the separate towers exist.</summary>
    public bool PreferCombined { get; set; }

    /// <summary>Threads per inference call; 0 lets ONNX Runtime choose (all cores).</summary>
    [Range(0, 256)]
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Decode large JPEGs at 1/2, 1/4 or 1/8 scale straight from the DCT while their short side stays at least twice
    /// the model's resize target (measured by <c>agentretrieval bench --ingest</c>: cosine to the full decode).
    /// </summary>
    public bool ScaledDecode { get; set; } = true;

    /// <summary>
    /// Load only the vision tower and the image preprocessing: no tokenizer, no text tower (for measuring indexing with
    /// a graph whose text side this runtime does not read). Text cannot be encoded.
    /// </summary>
    public bool VisionOnly { get; set; }

    /// <summary>
    /// Overrides the text cleaning the layout's reference applies (transformers.js: none; Immich: white space, plus
    /// canonicalisation when the model's config asks for it). Null: as the reference does.
    /// </summary>
    public Encoders.TextCleaningMode? TextCleaning { get; set; }

    /// <summary>A sigmoid model's trained exp(logit_scale); with <see cref="LogitBias"/> it overrides the folder's <c>calibration.json</c>.</summary>
    [Range(1e-6, 1e6)]
    public double? LogitScale { get; set; }

    /// <summary>A sigmoid model's trained logit_bias.</summary>
    [Range(-1e6, 1e6)]
    public double? LogitBias { get; set; }

    /// <summary>The FLORES-200 code NLLB-CLIP models read before the text (default <c>eng_Latn</c>); ignored by other models.</summary>
    public string Language { get; set; } = "";

    /// <summary>The largest image allowed, in pixels, checked before decoding.</summary>
    [Range(1, long.MaxValue)]
    public long MaxPixels { get; set; } = Imaging.ImageLoader.DefaultMaxPixels;
}
