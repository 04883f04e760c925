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

    /// <summary>The embedding size.</summary>
    [JsonPropertyName("dimensions")]
    public int Dimensions { get; init; }

    /// <summary>The ONNX files of each variant (full, quantized, fp16).</summary>
    [JsonPropertyName("variants")]
    public IReadOnlyDictionary<string, IReadOnlyList<ModelFile>> Variants { get; init; } = new Dictionary<string, IReadOnlyList<ModelFile>>();

    /// <summary>The files every variant needs (tokenizer, configuration).</summary>
    [JsonPropertyName("files")]
    public IReadOnlyList<ModelFile> Files { get; init; } = [];

    /// <summary>All files of a variant.</summary>
    /// <param name="variant">full, quantized or fp16.</param>
    /// <exception cref="KeyNotFoundException">The model has no such variant.</exception>
    public IReadOnlyList<ModelFile> FilesFor(string variant) =>
        Variants.TryGetValue(variant, out IReadOnlyList<ModelFile>? onnx)
            ? [.. Files, .. onnx]
            : throw new KeyNotFoundException($"Model '{Name}' has no '{variant}' variant (it has: {string.Join(", ", Variants.Keys)}).");
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
}
