using AgentRetrieval.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SixLabors.ImageSharp.Processing.Processors.Transforms;

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
    /// <param name="scaledDecode">Decode large JPEGs at a reduced DCT scale (see <see cref="MinDecodeShortSide"/>).</param>
    public ClipImagePreprocessor(ClipImageProcessorConfig config, long maxPixels = ImageLoader.DefaultMaxPixels, bool scaledDecode = false)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPixels);
        _config = config;
        _maxPixels = maxPixels;
        int target = config.DoResize && !config.Squash ? config.ShortestEdge : Math.Min(config.CropWidth, config.CropHeight);
        MinDecodeShortSide = scaledDecode ? 2 * Math.Max(target, Math.Min(config.CropWidth, config.CropHeight)) : 0;
    }

    /// <summary>
    /// With scaled decoding, the fewest pixels a JPEG's short side keeps when decoded at 1/2, 1/4 or 1/8: twice the
    /// resize target, so that the resize still averages at least 2×2 decoded pixels per output pixel. 0: full decode.
    /// </summary>
    public int MinDecodeShortSide { get; }

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
        using Image<Rgb24> image = ImageLoader.LoadRgb(encoded, _maxPixels, MinDecodeShortSide, out int scale);
        // Decoded from a reduced DCT the pixels are not the reference's anyway: resize with ImageSharp's vectorised
        // resampler (about twice as fast); a full-size decode gets the reference's resampling to the bit.
        Preprocess(image, destination, exact: scale == 1);
    }

    /// <summary>Preprocesses a decoded RGB image in place (it is resized) into <paramref name="destination"/>.</summary>
    /// <param name="image">The image; it is modified.</param>
    /// <param name="destination">At least <see cref="TensorLength"/> floats.</param>
    public void Preprocess(Image<Rgb24> image, Span<float> destination) => Preprocess(image, destination, exact: true);

    private void Preprocess(Image<Rgb24> image, Span<float> destination, bool exact)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (destination.Length < TensorLength)
        {
            throw new ArgumentException($"The destination needs {TensorLength} floats.", nameof(destination));
        }

        int targetW = image.Width, targetH = image.Height;
        if (_config.DoResize && _config.Squash)
        {
            (targetW, targetH) = (Width, Height);
        }
        else if (_config.DoResize)
        {
            (int w, int h) = _config.FloatingResizeArithmetic
                ? FloatingResizedSize(image.Width, image.Height, _config.ShortestEdge)
                : ResizedSize(image.Width, image.Height, _config.ShortestEdge);
            if (_config.DoCenterCrop && (w > 4 * Width || h > 4 * Height))
            {
                // A very wide or tall image: resizing it whole would upscale its long side to millions of pixels
                // (28,000×1 → 6.3 million × 224). Only the centre survives the crop, so cut the original down to that
                // centre (with a margin for the resampling kernel) first: the same pixels, bounded work.
                CropToCentreWindow(image, ref w, ref h);
            }

            (targetW, targetH) = (w, h);
        }

        bool resize = targetW != image.Width || targetH != image.Height;
        if (resize && (!exact || !PilResize.Supports(_config.Resample)))
        {
            image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(targetW, targetH), Mode = ResizeMode.Stretch, Sampler = Sampler(_config.Resample), Compand = false }));
            resize = false;
        }

        Rgb24[] pixels = new Rgb24[image.Width * image.Height];
        image.CopyPixelDataTo(pixels);
        int imageW = image.Width, imageH = image.Height;
        if (resize)
        {
            // The reference processors' resampling, bit for bit: Pillow's (Immich) or PyTorch's port of it (transformers).
            pixels = PilResize.Resize(pixels, imageW, imageH, targetW, targetH, _config.Resample, _config.TorchResampling);
            (imageW, imageH) = (targetW, targetH);
        }

        int cropH = _config.DoCenterCrop ? Height : imageH;
        // Immich's crop, left = int(w / 2 - size / 2), equals the reference's (w - size) // 2 for every size that is cropped.
        int cropW = _config.DoCenterCrop ? Width : imageW;
        if (cropH != Height || cropW != Width)
        {
            throw new InvalidOperationException("Without a centre crop the image must already have the model's input size.");
        }

        // The reference's centre crop: top = (h - crop_h) // 2, zero padding where the image is smaller.
        int top = (imageH - cropH) >> 1;
        int left = (imageW - cropW) >> 1;
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
        {
            for (int y = 0; y < cropH; y++)
            {
                int sy = y + top;
                int o = y * cropW;
                if (sy < 0 || sy >= imageH)
                {
                    r.Slice(o, cropW).Fill(zeroR);
                    g.Slice(o, cropW).Fill(zeroG);
                    b.Slice(o, cropW).Fill(zeroB);
                    continue;
                }

                Span<Rgb24> row = pixels.AsSpan(sy * imageW, imageW);
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

    private static IResampler Sampler(int resample) => resample switch
    {
        0 => KnownResamplers.NearestNeighbor,
        2 => KnownResamplers.Triangle,
        1 => KnownResamplers.Lanczos3,
        _ => KnownResamplers.Bicubic,
    };

    /// <summary>Immich's output size for a shortest-edge resize: <c>int(long / short · size)</c> in double precision.</summary>
    internal static (int Width, int Height) FloatingResizedSize(int width, int height, int size)
    {
        if (width <= height)
        {
            return (size, (int)((double)height / width * size));
        }

        return ((int)((double)width / height * size), size);
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

    /// <summary>
    /// Cuts the original to the part of it that the centre crop keeps after resizing to (<paramref name="w"/>,
    /// <paramref name="h"/>), plus a margin for the kernel, and gives the size that part resizes to.
    /// </summary>
    private void CropToCentreWindow(Image<Rgb24> image, ref int w, ref int h)
    {
        double sx = w / (double)image.Width, sy = h / (double)image.Height;
        (int x0, int x1) = Window(image.Width, w, Width, sx);
        (int y0, int y1) = Window(image.Height, h, Height, sy);
        if (x1 - x0 == image.Width && y1 - y0 == image.Height)
        {
            return;
        }

        image.Mutate(x => x.Crop(new Rectangle(x0, y0, x1 - x0, y1 - y0)));
        w = Math.Max(Width, (int)Math.Round((x1 - x0) * sx));
        h = Math.Max(Height, (int)Math.Round((y1 - y0) * sy));
    }

    private static (int Start, int End) Window(int source, int resized, int crop, double scale)
    {
        if (resized <= crop * 2)
        {
            return (0, source);
        }

        int margin = (int)Math.Ceiling(4 / Math.Min(scale, 1.0)) + 2;
        double left = (resized - crop) / 2 / scale, right = ((resized + crop) / 2.0) / scale;
        int start = Math.Max(0, (int)Math.Floor(left) - margin), end = Math.Min(source, (int)Math.Ceiling(right) + margin);
        // Keep the window centred, so the centre crop of its resized copy is the centre crop of the whole.
        int half = Math.Min((source / 2) - start, end - (source / 2));
        return ((source / 2) - half, (source / 2) + half);
    }
}
