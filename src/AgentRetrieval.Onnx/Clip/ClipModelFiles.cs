namespace AgentRetrieval.Onnx.Clip;

/// <summary>The files of a CLIP model folder that a given variant uses.</summary>
/// <param name="Directory">The model folder.</param>
/// <param name="TextModel">The text tower, or <see langword="null"/> with a combined model.</param>
/// <param name="VisionModel">The vision tower, or <see langword="null"/> with a combined model.</param>
/// <param name="CombinedModel">The combined model, or <see langword="null"/> with separate towers.</param>
public sealed record ClipModelFiles(string Directory, string? TextModel, string? VisionModel, string? CombinedModel)
{
    private static readonly string[] s_requiredConfig = ["preprocessor_config.json"];

    /// <summary>Finds the files of <paramref name="variant"/> in <paramref name="directory"/>.</summary>
    /// <param name="directory">The model folder.</param>
    /// <param name="variant"><c>full</c>, <c>quantized</c> or <c>fp16</c>.</param>
    /// <param name="preferCombined">Take <c>model.onnx</c> even when both towers exist.</param>
    /// <returns>The files.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder lacks a needed file; the message lists what is expected.</exception>
    public static ClipModelFiles Locate(string directory, string variant = "full", bool preferCombined = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"The CLIP model folder '{directory}' does not exist.");
        }

        string suffix = variant switch
        {
            "full" or "" => "",
            "quantized" => "_quantized",
            "fp16" => "_fp16",
            _ => throw new ArgumentException($"Unknown model variant '{variant}': use full, quantized or fp16.", nameof(variant)),
        };

        string? text = Find(directory, $"text_model{suffix}.onnx");
        string? vision = Find(directory, $"vision_model{suffix}.onnx");
        string? combined = Find(directory, $"model{suffix}.onnx");
        foreach (string name in s_requiredConfig)
        {
            if (!File.Exists(Path.Combine(directory, name)))
            {
                throw new FileNotFoundException(Expected(directory, suffix, $"{name} is missing"), Path.Combine(directory, name));
            }
        }

        bool hasTokenizer = File.Exists(Path.Combine(directory, "tokenizer.json")) ||
            (File.Exists(Path.Combine(directory, "vocab.json")) && File.Exists(Path.Combine(directory, "merges.txt")));
        if (!hasTokenizer)
        {
            throw new FileNotFoundException(Expected(directory, suffix, "the tokenizer (vocab.json + merges.txt, or tokenizer.json) is missing"));
        }

        if (combined is not null && (preferCombined || text is null || vision is null))
        {
            return new ClipModelFiles(directory, null, null, combined);
        }

        if (text is not null && vision is not null)
        {
            return new ClipModelFiles(directory, text, vision, null);
        }

        throw new FileNotFoundException(Expected(directory, suffix, "no ONNX model files for this variant"));
    }

    /// <summary>The ONNX files in use.</summary>
    public IEnumerable<string> OnnxFiles => new[] { TextModel, VisionModel, CombinedModel }.OfType<string>();

    private static string? Find(string directory, string name)
    {
        foreach (string candidate in new[] { Path.Combine(directory, "onnx", name), Path.Combine(directory, name) })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string Expected(string directory, string suffix, string problem) =>
        $"'{directory}' is not a usable CLIP model folder: {problem}. Expected the public ONNX layout: " +
        $"onnx/text_model{suffix}.onnx + onnx/vision_model{suffix}.onnx (or onnx/model{suffix}.onnx), " +
        "vocab.json + merges.txt (or tokenizer.json), preprocessor_config.json and config.json. " +
        "Run 'agentretrieval models pull <name>' or see 'agentretrieval models list'.";
}
