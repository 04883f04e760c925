using AgentRetrieval.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AgentRetrieval.Onnx.Clip;

/// <summary>
/// CLIP image preprocessing as <c>preprocessor_config.json</c> describes it: decode to upright RGB, resize the
/// shortest edge (bicubic), centre-crop, rescale, normalise with mean/std, channels first.
/// </summary>
/// <remarks>Thread-safe: it holds only immutable settings.</remarks>
public sealed class ClipImagePreprocessor
{
    private readonly ClipImageProcessorConfig _config;
    private readonly long _maxPixels;

    /// <summary>Creates the preprocessor.</summary>
    /// <param name="config">The model's settings.</param>
    /// <param name="maxPixels">The largest decoded image allowed, checked before decoding.</param>
    public ClipImagePreprocessor(ClipImageProcessorConfig config, long maxPixels = ImageLoader.DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPixels);
        _config = config;
        _maxPixels = maxPixels;
    }

    /// <summary>The crop height, the model input's height.</summary>
    public int Height => _config.CropHeight;

    /// <summary>The crop width, the model input's width.</summary>
    public int Width => _config.CropWidth;

    /// <summary>Floats per image: 3 × height × width.</summary>
    public int TensorLength => 3 * Height * Width;

    /// <summary>Decodes and preprocesses one encoded image into <paramref name="destination"/> (CHW floats).</summary>
    /// <param name="encoded">The encoded image.</param>
    /// <param name="destination">At least <see cref="TensorLength"/> floats.</param>
    /// <exception cref="InvalidImageException">The image cannot be decoded or is over the pixel limit.</exception>
    public void Preprocess(ReadOnlyMemory<byte> encoded, Span<float> destination)
    {
        using Image<Rgb24> image = ImageLoader.LoadRgb(encoded, _maxPixels);
        Preprocess(image, destination);
    }

    /// <summary>Preprocesses a decoded RGB image in place (it is resized) into <paramref name="destination"/>.</summary>
    /// <param name="image">The image; it is modified.</param>
    /// <param name="destination">At least <see cref="TensorLength"/> floats.</param>
    public void Preprocess(Image<Rgb24> image, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (destination.Length < TensorLength)
        {
            throw new ArgumentException($"The destination needs {TensorLength} floats.", nameof(destination));
        }

        if (_config.DoResize)
        {
            (int w, int h) = ResizedSize(image.Width, image.Height, _config.ShortestEdge);
            if (w != image.Width || h != image.Height)
            {
                image.Mutate(x => x.Resize(new ResizeOptions
                {
                    Size = new Size(w, h),
                    Mode = ResizeMode.Stretch,
                    Sampler = _config.Resample switch
                    {
                        0 => KnownResamplers.NearestNeighbor,
                        2 => KnownResamplers.Triangle,
                        1 => KnownResamplers.Lanczos3,
                        _ => KnownResamplers.Bicubic,
                    },
                    Compand = false,
                }));
            }
        }

        int cropH = _config.DoCenterCrop ? Height : image.Height;
        int cropW = _config.DoCenterCrop ? Width : image.Width;
        if (cropH != Height || cropW != Width)
        {
            throw new InvalidOperationException("Without a centre crop the image must already have the model's input size.");
        }

        // The reference's centre crop: top = (h - crop_h) // 2, zero padding where the image is smaller.
        int top = (image.Height - cropH) >> 1;
        int left = (image.Width - cropW) >> 1;
        float scale = _config.DoRescale ? _config.RescaleFactor : 1f;
        Span<float> mean = [0f, 0f, 0f];
        Span<float> invStd = [1f, 1f, 1f];
        if (_config.DoNormalize)
        {
            for (int c = 0; c < 3; c++)
            {
                mean[c] = _config.Mean[c];
                invStd[c] = 1f / _config.Std[c];
            }
        }

        int plane = cropH * cropW;
        Span<float> r = destination[..plane];
        Span<float> g = destination.Slice(plane, plane);
        Span<float> b = destination.Slice(2 * plane, plane);
        float zeroR = (0 - mean[0]) * invStd[0], zeroG = (0 - mean[1]) * invStd[1], zeroB = (0 - mean[2]) * invStd[2];
        float m0 = mean[0], m1 = mean[1], m2 = mean[2], s0 = invStd[0], s1 = invStd[1], s2 = invStd[2];
        Rgb24[] pixels = new Rgb24[image.Width * image.Height];
        image.CopyPixelDataTo(pixels);
        {
            for (int y = 0; y < cropH; y++)
            {
                int sy = y + top;
                int o = y * cropW;
                if (sy < 0 || sy >= image.Height)
                {
                    r.Slice(o, cropW).Fill(zeroR);
                    g.Slice(o, cropW).Fill(zeroG);
                    b.Slice(o, cropW).Fill(zeroB);
                    continue;
                }

                Span<Rgb24> row = pixels.AsSpan(sy * image.Width, image.Width);
                for (int x = 0; x < cropW; x++)
                {
                    int sx = x + left;
                    if (sx < 0 || sx >= row.Length)
                    {
                        r[o + x] = zeroR;
                        g[o + x] = zeroG;
                        b[o + x] = zeroB;
                        continue;
                    }

                    Rgb24 p = row[sx];
                    r[o + x] = ((p.R * scale) - m0) * s0;
                    g[o + x] = ((p.G * scale) - m1) * s1;
                    b[o + x] = ((p.B * scale) - m2) * s2;
                }
            }
        }
    }

    /// <summary>The reference's output size for a shortest-edge resize: the long side is truncated, not rounded.</summary>
    internal static (int Width, int Height) ResizedSize(int width, int height, int shortestEdge)
    {
        if (width <= height)
        {
            return (shortestEdge, (int)((long)shortestEdge * height / width));
        }

        return ((int)((long)shortestEdge * width / height), shortestEdge);
    }
}
