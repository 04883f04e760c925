using System.Text.Json;

namespace AgentRetrieval.Evaluation;

/// <summary>One image of an evaluation set with its captions.</summary>
/// <param name="Path">The image file.</param>
/// <param name="Captions">Its human captions.</param>
/// <param name="Label">A class label, when the set has them (relevance by label for MAP).</param>
/// <param name="Split">train, dev/val, test …</param>
public sealed record EvalItem(string Path, IReadOnlyList<string> Captions, string? Label, string Split);

/// <summary>
/// An image–caption evaluation set: a folder with <c>images/</c> and <c>captions.json</c>
/// (<c>[{"image", "captions": [...], "label"?, "split"}]</c>), or a Karpathy split file
/// (<c>dataset_coco.json</c>, <c>dataset_flickr8k.json</c>, <c>dataset_flickr30k.json</c>) with its image folder.
/// </summary>
public sealed class EvalDataset
{
    private EvalDataset(string name, IReadOnlyList<EvalItem> items)
    {
        Name = name;
        Items = items;
    }

    /// <summary>The set's name (its folder or file name).</summary>
    public string Name { get; }

    /// <summary>Every item, all splits.</summary>
    public IReadOnlyList<EvalItem> Items { get; }

    /// <summary>The splits present.</summary>
    public IReadOnlyList<string> Splits => [.. Items.Select(i => i.Split).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>The items of one split (<c>val</c> and <c>dev</c> are the same split).</summary>
    /// <param name="split">The split.</param>
    public IReadOnlyList<EvalItem> Split(string split) =>
        [.. Items.Where(i => string.Equals(Normalise(i.Split), Normalise(split), StringComparison.OrdinalIgnoreCase))];

    /// <summary>Loads a set from a folder (captions.json) or a Karpathy split file.</summary>
    /// <param name="path">The folder, its captions.json, or the Karpathy file.</param>
    /// <param name="imagesDirectory">For a Karpathy file: the image folder (default: beside the file, then its images/ folder).</param>
    /// <exception cref="FileNotFoundException">No dataset there.</exception>
    /// <exception cref="InvalidDataException">The file is not in either format.</exception>
    public static EvalDataset Load(string path, string? imagesDirectory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string file = Directory.Exists(path) ? Path.Combine(path, "captions.json") : path;
        if (Directory.Exists(path) && !File.Exists(file))
        {
            string? karpathy = Directory.GetFiles(path, "dataset_*.json").FirstOrDefault();
            file = karpathy ?? file;
        }

        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"No evaluation set at '{path}': expected a folder with images/ and captions.json, or a Karpathy dataset_*.json file.", file);
        }

        string baseDir = Path.GetDirectoryName(Path.GetFullPath(file))!;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
            return doc.RootElement.ValueKind == JsonValueKind.Array
                ? LoadCaptionsJson(doc.RootElement, imagesDirectory ?? Path.Combine(baseDir, "images"), Path.GetFileName(baseDir))
                : LoadKarpathy(doc.RootElement, imagesDirectory ?? baseDir, Path.GetFileNameWithoutExtension(file));
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"'{file}' is neither a captions.json list nor a Karpathy split file: {ex.Message}", ex);
        }
    }

    private static EvalDataset LoadCaptionsJson(JsonElement root, string images, string name)
    {
        var items = new List<EvalItem>();
        foreach (JsonElement e in root.EnumerateArray())
        {
            string image = e.GetProperty("image").GetString()!;
            string[] captions = [.. e.GetProperty("captions").EnumerateArray().Select(c => c.GetString()!)];
            string? label = e.TryGetProperty("label", out JsonElement l) && l.ValueKind != JsonValueKind.Null ? l.ToString() : null;
            string split = e.TryGetProperty("split", out JsonElement s) ? s.GetString()! : "test";
            items.Add(new EvalItem(Path.Combine(images, image), captions, label, split));
        }

        return new EvalDataset(name, items);
    }

    private static EvalDataset LoadKarpathy(JsonElement root, string images, string name)
    {
        var items = new List<EvalItem>();
        foreach (JsonElement e in root.GetProperty("images").EnumerateArray())
        {
            string filename = e.GetProperty("filename").GetString()!;
            string dir = e.TryGetProperty("filepath", out JsonElement fp) && fp.GetString() is { Length: > 0 } sub && Directory.Exists(Path.Combine(images, sub))
                ? Path.Combine(images, sub) : images;
            string[] captions = [.. e.GetProperty("sentences").EnumerateArray().Select(s => s.GetProperty("raw").GetString()!)];
            string split = e.GetProperty("split").GetString()!;
            items.Add(new EvalItem(Path.Combine(dir, filename), captions, null, split == "restval" ? "train" : split));
        }

        return new EvalDataset(name, items);
    }

    private static string Normalise(string split) => split is "val" or "validation" ? "dev" : split;
}
