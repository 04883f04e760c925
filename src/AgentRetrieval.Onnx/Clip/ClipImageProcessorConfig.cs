using System.Text.Json;

namespace AgentRetrieval.Onnx.Clip;

/// <summary>The image preprocessing settings of a CLIP model, read from <c>preprocessor_config.json</c>.</summary>
public sealed record ClipImageProcessorConfig
{
    /// <summary>Target length of the shortest edge after resizing.</summary>
    public int ShortestEdge { get; init; } = 224;

    /// <summary>Centre-crop height.</summary>
    public int CropHeight { get; init; } = 224;

    /// <summary>Centre-crop width.</summary>
    public int CropWidth { get; init; } = 224;

    /// <summary>Whether to resize.</summary>
    public bool DoResize { get; init; } = true;

    /// <summary>Whether to centre-crop.</summary>
    public bool DoCenterCrop { get; init; } = true;

    /// <summary>Whether to multiply by <see cref="RescaleFactor"/>.</summary>
    public bool DoRescale { get; init; } = true;

    /// <summary>The rescale factor (1/255).</summary>
    public float RescaleFactor { get; init; } = 1f / 255f;

    /// <summary>Whether to normalise with <see cref="Mean"/> and <see cref="Std"/>.</summary>
    public bool DoNormalize { get; init; } = true;

    /// <summary>Per-channel mean.</summary>
    public IReadOnlyList<float> Mean { get; init; } = [0.48145466f, 0.4578275f, 0.40821073f];

    /// <summary>Per-channel standard deviation.</summary>
    public IReadOnlyList<float> Std { get; init; } = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>PIL resample filter id: 3 bicubic (CLIP), 2 bilinear, 0 nearest.</summary>
    public int Resample { get; init; } = 3;

    /// <summary>
    /// Resize straight to <see cref="CropWidth"/> × <see cref="CropHeight"/> without keeping the aspect ratio (SigLIP's
    /// processor, Immich's <c>squash</c>); no crop follows.
    /// </summary>
    public bool Squash { get; init; }

    /// <summary>
    /// Compute the long side of a shortest-edge resize as Immich does, <c>int(long / short · size)</c> in floating point,
    /// instead of the reference processor's integer arithmetic (they differ by a pixel on some sizes).
    /// </summary>
    public bool FloatingResizeArithmetic { get; init; }

    /// <summary>
    /// Resize with PyTorch's 16-bit fixed-point port of Pillow's resampling (transformers' fast image processors, the
    /// default since transformers 5) rather than Pillow's own 22-bit arithmetic (Immich); they differ by one level here
    /// and there.
    /// </summary>
    public bool TorchResampling { get; init; }

    /// <summary>Reads Immich's <c>visual/preprocess_cfg.json</c> (size, mean, std, interpolation, resize_mode).</summary>
    /// <param name="path">The file.</param>
    /// <returns>The settings.</returns>
    /// <exception cref="InvalidDataException">The file is not valid JSON or names an unknown resize mode or interpolation.</exception>
    public static ClipImageProcessorConfig LoadImmich(string path)
    {
        JsonElement root = ReadRoot(path);
        int size = root.TryGetProperty("size", out JsonElement s)
            ? s.ValueKind == JsonValueKind.Array ? s[0].GetInt32() : s.GetInt32()
            : 224;
        string mode = root.TryGetProperty("resize_mode", out JsonElement m) ? m.GetString() ?? "shortest" : "shortest";
        string interpolation = root.TryGetProperty("interpolation", out JsonElement i) ? i.GetString() ?? "bicubic" : "bicubic";
        var c = new ClipImageProcessorConfig();
        return c with
        {
            ShortestEdge = size,
            CropHeight = size,
            CropWidth = size,
            Squash = mode switch
            {
                "squash" => true,
                "shortest" => false,
                _ => throw new InvalidDataException($"{path}: the resize_mode '{mode}' is not supported (squash or shortest)."),
            },
            DoCenterCrop = mode != "squash",
            FloatingResizeArithmetic = true,
            Mean = Floats(root, "mean") ?? c.Mean,
            Std = Floats(root, "std") ?? c.Std,
            Resample = interpolation switch
            {
                "bicubic" => 3,
                "bilinear" => 2,
                "nearest" => 0,
                "lanczos" => 1,
                _ => throw new InvalidDataException($"{path}: the interpolation '{interpolation}' is not supported."),
            },
        };
    }

    /// <summary>Reads <c>preprocessor_config.json</c>; missing keys keep CLIP's defaults.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="InvalidDataException">The file is not valid JSON.</exception>
    public static ClipImageProcessorConfig Load(string path)
    {
        JsonElement root = ReadRoot(path);
        var c = new ClipImageProcessorConfig();
        int shortest = c.ShortestEdge;
        bool squash = false;
        int squashHeight = 0, squashWidth = 0;
        if (root.TryGetProperty("size", out JsonElement size))
        {
            if (size.ValueKind == JsonValueKind.Number)
            {
                shortest = size.GetInt32();
            }
            else if (size.TryGetProperty("shortest_edge", out JsonElement se))
            {
                shortest = se.GetInt32();
            }
            else if (size.TryGetProperty("height", out JsonElement h))
            {
                shortest = h.GetInt32();
                if (size.TryGetProperty("width", out JsonElement w))
                {
                    // {height, width}: SigLIP's processor resizes straight to that size, ignoring the aspect ratio.
                    squash = true;
                    squashHeight = h.GetInt32();
                    squashWidth = w.GetInt32();
                }
            }
        }

        int cropH = shortest, cropW = shortest;
        if (root.TryGetProperty("crop_size", out JsonElement crop))
        {
            if (crop.ValueKind == JsonValueKind.Number)
            {
                cropH = cropW = crop.GetInt32();
            }
            else
            {
                cropH = crop.TryGetProperty("height", out JsonElement ch) ? ch.GetInt32() : cropH;
                cropW = crop.TryGetProperty("width", out JsonElement cw) ? cw.GetInt32() : cropW;
            }
        }

        squash &= !root.TryGetProperty("crop_size", out _) && !Bool(root, "do_center_crop", false);
        return c with
        {
            ShortestEdge = shortest,
            CropHeight = squash ? squashHeight : cropH,
            CropWidth = squash ? squashWidth : cropW,
            Squash = squash,
            TorchResampling = true,
            DoResize = Bool(root, "do_resize", c.DoResize),
            DoCenterCrop = !squash && Bool(root, "do_center_crop", c.DoCenterCrop),
            DoRescale = Bool(root, "do_rescale", c.DoRescale),
            RescaleFactor = root.TryGetProperty("rescale_factor", out JsonElement rf) ? rf.GetSingle() : c.RescaleFactor,
            DoNormalize = Bool(root, "do_normalize", c.DoNormalize),
            Mean = Floats(root, "image_mean") ?? c.Mean,
            Std = Floats(root, "image_std") ?? c.Std,
            Resample = root.TryGetProperty("resample", out JsonElement rs) && rs.ValueKind == JsonValueKind.Number ? rs.GetInt32() : c.Resample,
        };
    }

    private static JsonElement ReadRoot(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {ex.Message}", ex);
        }
    }

    private static bool Bool(JsonElement root, string name, bool fallback) =>
        root.TryGetProperty(name, out JsonElement e) && e.ValueKind is JsonValueKind.True or JsonValueKind.False ? e.GetBoolean() : fallback;

    private static float[]? Floats(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement e) && e.ValueKind == JsonValueKind.Array
            ? [.. e.EnumerateArray().Select(x => x.GetSingle())]
            : null;
}
