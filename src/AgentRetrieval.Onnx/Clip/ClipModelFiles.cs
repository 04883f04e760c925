using System.Text.Json;
using AgentRetrieval.Onnx.Encoders;
using AgentRetrieval.Onnx.Encoders.Layouts;

namespace AgentRetrieval.Onnx.Clip;

/// <summary>
/// The files of a retrieval model folder (CLIP, SigLIP or M-CLIP, in the transformers.js or Immich layout) that a given
/// variant uses, with the layout and family the files say.
/// </summary>
/// <param name="Directory">The model folder.</param>
/// <param name="TextModel">The text tower, or <see langword="null"/> with a combined model.</param>
/// <param name="VisionModel">The vision tower, or <see langword="null"/> with a combined model.</param>
/// <param name="CombinedModel">The combined model, or <see langword="null"/> with separate towers.</param>
public sealed record ClipModelFiles(string Directory, string? TextModel, string? VisionModel, string? CombinedModel)
{
    private static readonly string[] s_requiredConfig = ["preprocessor_config.json"];

    /// <summary>Which published layout the folder has.</summary>
    public ModelLayout Layout { get; init; } = ModelLayout.TransformersJs;

    /// <summary>The family the configuration names (for Immich's M-CLIP, confirmed by the text graph's inputs on load).</summary>
    public ModelFamily Family { get; init; } = ModelFamily.Clip;

    /// <summary>The image preprocessing settings file (<c>preprocessor_config.json</c> or <c>visual/preprocess_cfg.json</c>).</summary>
    public string PreprocessFile => Layout == ModelLayout.Immich
        ? Path.Combine(Directory, "visual", "preprocess_cfg.json")
        : Path.Combine(Directory, "preprocessor_config.json");

    /// <summary>The folder of the text side's tokenizer files (the model folder, or <c>textual/</c>).</summary>
    public string TokenizerDirectory => Layout == ModelLayout.Immich ? Path.Combine(Directory, "textual") : Directory;

    /// <summary>The configuration files that change what the model computes (hashed into its identity).</summary>
    public IEnumerable<string> SettingsFiles => Layout == ModelLayout.Immich
        ? new[] { PreprocessFile, Path.Combine(Directory, "config.json"), Path.Combine(TokenizerDirectory, "tokenizer.json"), Path.Combine(TokenizerDirectory, "tokenizer_config.json") }.Where(File.Exists)
        : new[] { PreprocessFile }.Concat(Family == ModelFamily.Clip ? [] : new[] { Path.Combine(Directory, "tokenizer.json") }.Where(File.Exists));

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

        if (System.IO.Directory.Exists(Path.Combine(directory, "textual")) || System.IO.Directory.Exists(Path.Combine(directory, "visual")))
        {
            return LocateImmich(directory, variant);
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

        ModelFamily family = TransformersFamily(directory);
        if (combined is not null && (preferCombined || text is null || vision is null))
        {
            return new ClipModelFiles(directory, null, null, combined) { Family = family };
        }

        if (text is not null && vision is not null)
        {
            return new ClipModelFiles(directory, text, vision, null) { Family = family };
        }

        throw new FileNotFoundException(Expected(directory, suffix, "no ONNX model files for this variant"));
    }

    private static ClipModelFiles LocateImmich(string directory, string variant)
    {
        if (variant is not ("full" or ""))
        {
            throw new ArgumentException($"'{directory}' is in Immich's layout, which has one variant of each tower (textual/model.onnx, visual/model.onnx); the variant '{variant}' does not exist there.", nameof(variant));
        }

        string[] required = ["config.json", "textual/model.onnx", "textual/tokenizer.json", "visual/model.onnx", "visual/preprocess_cfg.json"];
        string[] missing = [.. required.Where(f => !File.Exists(Path.Combine(directory, f)))];
        if (missing.Length > 0)
        {
            throw new FileNotFoundException(
                $"'{directory}' looks like Immich's layout (it has textual/ or visual/) but lacks {string.Join(", ", missing)}. " +
                $"Expected: {string.Join(", ", required)} (and textual/tokenizer_config.json with the pad token). " +
                "Run 'agentretrieval models pull <name>' or see 'agentretrieval models list'.", Path.Combine(directory, missing[0]));
        }

        return new ClipModelFiles(directory, Path.Combine(directory, "textual", "model.onnx"), Path.Combine(directory, "visual", "model.onnx"), null)
        {
            Layout = ModelLayout.Immich,
            Family = ImmichFamily(directory),
        };
    }

    private static ModelFamily TransformersFamily(string directory)
    {
        JsonElement? config = ReadJson(Path.Combine(directory, "config.json"));
        string type = config is { } c && c.TryGetProperty("model_type", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "clip";
        return type.StartsWith("siglip", StringComparison.OrdinalIgnoreCase) ? ModelFamily.Siglip : ModelFamily.Clip;
    }

    private static ModelFamily ImmichFamily(string directory)
    {
        JsonElement? config = ReadJson(Path.Combine(directory, "config.json"));
        if (config is not { } c)
        {
            return ModelFamily.Clip;
        }

        string text = c.TryGetProperty("text_cfg", out JsonElement tc) ? tc.GetRawText() : "";
        string vision = c.TryGetProperty("vision_cfg", out JsonElement vc) ? vc.GetRawText() : "";
        if (c.TryGetProperty("init_logit_bias", out _) || vision.Contains("siglip", StringComparison.OrdinalIgnoreCase) || text.Contains("siglip", StringComparison.OrdinalIgnoreCase))
        {
            return ModelFamily.Siglip;
        }

        // M-CLIP's text tower is a plain Hugging Face encoder named in the config; the graph's inputs confirm it on load.
        return text.Contains("M-CLIP", StringComparison.OrdinalIgnoreCase) ? ModelFamily.MClip : ModelFamily.Clip;
    }

    internal static JsonElement? ReadJson(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {ex.Message}", ex);
        }
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
        $"'{directory}' is not a usable model folder: {problem}. Expected the transformers.js layout: " +
        $"onnx/text_model{suffix}.onnx + onnx/vision_model{suffix}.onnx (or onnx/model{suffix}.onnx), " +
        "vocab.json + merges.txt (or tokenizer.json), preprocessor_config.json and config.json; or Immich's layout: " +
        "config.json, textual/model.onnx + textual/tokenizer.json, visual/model.onnx + visual/preprocess_cfg.json. " +
        "Run 'agentretrieval models pull <name>' or see 'agentretrieval models list'.";
}
