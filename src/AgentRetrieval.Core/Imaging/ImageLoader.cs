using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AgentRetrieval.Imaging;

/// <summary>
/// Safe image decoding, the decoder chosen by the file's content (never its name): ImageSharp 2.1.13 for JPEG, PNG, GIF,
/// BMP, WebP and TIFF, and Magick.NET (<see cref="HeifDecoder"/>) for HEIC/HEIF and AVIF. Either way the header is checked
/// against a pixel limit before any pixel is decoded, truncated files are refused, only the first frame of animations is
/// decoded, orientation is applied and every colour model (RGBA, grey, palette, CMYK, 16-bit, 10-bit) is converted to
/// 8-bit RGB with alpha dropped, as the CLIP reference does.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public static class ImageLoader
{
    /// <summary>The default pixel limit: 100 megapixels.</summary>
    public const long DefaultMaxPixels = 100_000_000;

    private static readonly Configuration s_configuration = CreateConfiguration();

    /// <summary>The file extensions the indexer accepts (lower-case, with the dot).</summary>
    public static IReadOnlySet<string> SupportedExtensions { get; } =
        new HashSet<string>([".jpg", ".jpeg", ".jpe", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff", ".heic", ".heif", ".hif", ".avif", .. RawPreview.Extensions], StringComparer.OrdinalIgnoreCase);

    /// <summary>Reads the header of an encoded image without decoding its pixels.</summary>
    /// <param name="data">The encoded image.</param>
    /// <returns>Format, dimensions and EXIF date.</returns>
    /// <exception cref="InvalidImageException">Empty, not an image, or the header cannot be read.</exception>
    public static ImageInfo Identify(ReadOnlyMemory<byte> data) => Identify(data, out _);

    /// <summary>Identifies the image, and for a RAW file where its preview lies (so decoding does not search for it again).</summary>
    private static ImageInfo Identify(ReadOnlyMemory<byte> data, out RawImage? rawImage)
    {
        rawImage = null;
        if (data.IsEmpty)
        {
            throw new InvalidImageException("The file is empty (0 bytes).");
        }

        if (Raw(data) is { } raw)
        {
            rawImage = raw;
            return raw.Info;
        }

        if (HeifContainer.Detect(data.Span) is { } heif)
        {
            if (HeifContainer.Problem(data.Span) is { } damage)
            {
                throw new InvalidImageException($"The {heif} file is truncated or damaged: {damage}.");
            }

            (int w, int h) = HeifDecoder.Identify(data, heif);
            return w > 0 && h > 0 ? new ImageInfo(heif, w, h, null) : throw new InvalidImageException($"The {heif} header gives impossible dimensions {w}×{h}.");
        }

        IImageInfo? info;
        IImageFormat? format;
        try
        {
            using Stream stream = AsStream(data);
            info = Image.Identify(s_configuration, stream, out format);
        }
        catch (Exception ex) when (ex is ImageFormatException or NotSupportedException or InvalidOperationException or ArgumentException or IndexOutOfRangeException or EndOfStreamException)
        {
            throw new InvalidImageException($"The image header is corrupt: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            // A hostile header can make the decoder itself fail (a JPEG without a frame header gives a
            // NullReferenceException in ImageSharp 2.1): one bad file, never a crash.
            throw new InvalidImageException($"The image header cannot be read (the decoder failed with {ex.GetType().Name}); the file is corrupt or of an unsupported kind.", ex);
        }

        if (info is null || format is null)
        {
            throw new InvalidImageException("Not an image in a supported format (JPEG, PNG, GIF, BMP, WebP, TIFF, HEIC, AVIF).");
        }

        if (info.Width <= 0 || info.Height <= 0)
        {
            throw new InvalidImageException($"The image header gives impossible dimensions {info.Width}×{info.Height}.");
        }

        string name = format.Name.ToUpperInvariant();
        EnsureComplete(data.Span, name);
        return new ImageInfo(name, info.Width, info.Height, ReadTakenAt(info));
    }

    /// <summary>Rejects files cut short (<see cref="TruncationCheck"/>).</summary>
    private static void EnsureComplete(ReadOnlySpan<byte> data, string format)
    {
        string? problem;
        try
        {
            problem = TruncationCheck.Problem(data, format);
        }
        catch (ArgumentOutOfRangeException)
        {
            problem = "its structure runs past the end of the file";
        }

        if (problem is not null)
        {
            throw new InvalidImageException($"The {format} file is truncated or damaged: {problem}.");
        }
    }

    /// <summary>Decodes an image to 8-bit RGB, upright, after checking its header against <paramref name="maxPixels"/>.</summary>
    /// <param name="data">The encoded image.</param>
    /// <param name="maxPixels">The largest width × height allowed (decompression-bomb guard).</param>
    /// <returns>The decoded image; the caller disposes it.</returns>
    /// <exception cref="InvalidImageException">Empty, corrupt, truncated, not an image, or too large.</exception>
    public static Image<Rgb24> LoadRgb(ReadOnlyMemory<byte> data, long maxPixels = DefaultMaxPixels) => LoadRgb(data, maxPixels, 0);

    /// <summary>The scale (1, 2, 4 or 8) at which <see cref="LoadRgb(ReadOnlyMemory{byte}, long, int)"/> decodes an image for this floor.</summary>
    /// <param name="info">The image's header.</param>
    /// <param name="minShortSide">The fewest pixels needed along the short side (0: full size).</param>
    public static int DecodeScaleFor(ImageInfo info, int minShortSide)
    {
        ArgumentNullException.ThrowIfNull(info);
        return info.Format == "JPEG" ? ScaledJpegDecoder.ScaleFor(info.Width, info.Height, minShortSide) : 1;
    }

    /// <summary>
    /// Decodes an image to 8-bit RGB, upright; a large JPEG is decoded at a reduced scale (1/2, 1/4, 1/8, straight from
    /// its DCT) when its short side stays at least <paramref name="minShortSide"/> pixels (0: always full size).
    /// </summary>
    /// <param name="data">The encoded image.</param>
    /// <param name="maxPixels">The largest width × height allowed (decompression-bomb guard).</param>
    /// <param name="minShortSide">The fewest pixels the caller needs along the short side, or 0.</param>
    /// <returns>The decoded image; the caller disposes it.</returns>
    /// <exception cref="InvalidImageException">Empty, corrupt, truncated, not an image, or too large.</exception>
    public static Image<Rgb24> LoadRgb(ReadOnlyMemory<byte> data, long maxPixels, int minShortSide) => LoadRgb(data, maxPixels, minShortSide, out _);

    /// <summary>As <see cref="LoadRgb(ReadOnlyMemory{byte}, long, int)"/>, saying at which scale the image was decoded.</summary>
    /// <param name="data">The encoded image.</param>
    /// <param name="maxPixels">The largest width × height allowed (decompression-bomb guard).</param>
    /// <param name="minShortSide">The fewest pixels the caller needs along the short side, or 0.</param>
    /// <param name="decodeScale">1 for a full-size decode, else 2, 4 or 8 (a JPEG decoded from its DCT at that fraction).</param>
    /// <returns>The decoded image; the caller disposes it.</returns>
    /// <exception cref="InvalidImageException">Empty, corrupt, truncated, not an image, or too large.</exception>
    public static Image<Rgb24> LoadRgb(ReadOnlyMemory<byte> data, long maxPixels, int minShortSide, out int decodeScale)
    {
        ImageInfo info = Identify(data, out RawImage? raw);
        EnsureWithinLimit(info, maxPixels);
        decodeScale = 1;
        if (info.Format == "JPEG")
        {
            decodeScale = DecodeScaleFor(info, minShortSide);
            // libjpeg-turbo (through Magick.NET), at full size or a reduced DCT scale: the decoder Pillow uses, so the
            // pixels are the reference's (ImageSharp's own IDCT differs by a level or two on edges, which moves a SigLIP
            // vision tower's embedding visibly).
            return ScaledJpegDecoder.Decode(data, info.Width, info.Height, decodeScale);
        }

        if (info.Format is "HEIC" or "HEIF" or "AVIF")
        {
            return HeifDecoder.Decode(data, info.Format);
        }

        if (raw is not null)
        {
            // The preview, turned as the RAW file says unless the preview carries its own orientation.
            Image<Rgb24> preview = LoadRgb(data.Slice(raw.Offset, raw.Length), maxPixels, minShortSide, out decodeScale);
            if (raw.Orientation != 1 && !raw.PreviewHasOrientation)
            {
                preview.Metadata.ExifProfile ??= new ExifProfile();
                preview.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)raw.Orientation);
                preview.Mutate(x => x.AutoOrient());
            }

            return preview;
        }

        Image<Rgb24> image;
        try
        {
            using Stream stream = AsStream(data);
            image = Image.Load<Rgb24>(s_configuration, stream);
        }
        catch (Exception ex) when (ex is ImageFormatException or NotSupportedException or InvalidOperationException or ArgumentException or IndexOutOfRangeException or EndOfStreamException or InvalidMemoryOperationException)
        {
            throw new InvalidImageException($"The image data is corrupt or truncated: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            throw new InvalidImageException($"The image data cannot be decoded (the decoder failed with {ex.GetType().Name}); the file is corrupt.", ex);
        }

        try
        {
            image.Mutate(x => x.AutoOrient());
        }
        catch
        {
            image.Dispose();
            throw;
        }

        return image;
    }

    /// <summary>
    /// The image in a format every browser and model runtime reads: JPEG, PNG and GIF (and, when
    /// <paramref name="modernFormats"/>, WebP and AVIF) pass through unchanged; HEIC, RAW previews, TIFF and BMP are
    /// decoded (upright) and re-encoded as JPEG.
    /// </summary>
    /// <param name="data">The encoded image.</param>
    /// <param name="maxPixels">The pixel limit for decoding.</param>
    /// <param name="modernFormats">Whether WebP and AVIF may pass through (browsers: yes; ONNX Runtime GenAI: no).</param>
    /// <returns>The bytes and their media type.</returns>
    /// <exception cref="InvalidImageException">Not a readable image.</exception>
    public static (byte[] Data, string MediaType) ToCommonFormat(byte[] data, long maxPixels = DefaultMaxPixels, bool modernFormats = true)
    {
        ArgumentNullException.ThrowIfNull(data);
        ImageInfo info = Identify(data);
        switch (info.Format)
        {
            case "JPEG":
                return (data, "image/jpeg");
            case "PNG":
                return (data, "image/png");
            case "GIF":
                return (data, "image/gif");
            case "WEBP" when modernFormats:
                return (data, "image/webp");
            case "AVIF" when modernFormats:
                return (data, "image/avif");
        }

        using Image<Rgb24> image = LoadRgb(data, maxPixels);
        using var ms = new MemoryStream();
        image.SaveAsJpeg(ms, new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 90 });
        return (ms.ToArray(), "image/jpeg");
    }

    /// <summary>
    /// The image as a JPEG whose longest side is at most <paramref name="maxSide"/> (upright; decoded at a reduced scale
    /// when it is much larger): what a multimodal LLM is shown, since its image-token cost grows with the size it is given.
    /// An image already small enough in a common format passes through unchanged.
    /// </summary>
    /// <param name="data">The encoded image.</param>
    /// <param name="maxSide">The longest side wanted, in pixels.</param>
    /// <param name="maxPixels">The pixel limit for decoding.</param>
    /// <returns>The bytes and their media type.</returns>
    /// <exception cref="InvalidImageException">Not a readable image, or over the pixel limit.</exception>
    public static (byte[] Data, string MediaType) Downscaled(byte[] data, int maxSide, long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSide, 16);
        ImageInfo info = Identify(data);
        EnsureWithinLimit(info, maxPixels);
        if (Math.Max(info.Width, info.Height) <= maxSide && info.Format is "JPEG" or "PNG")
        {
            return ToCommonFormat(data, maxPixels, modernFormats: false);
        }

        double scale = (double)maxSide / Math.Max(info.Width, info.Height);
        using Image<Rgb24> image = LoadRgb(data, maxPixels, (int)Math.Ceiling(Math.Min(info.Width, info.Height) * Math.Min(1, scale)));
        if (Math.Max(image.Width, image.Height) > maxSide)
        {
            double s = (double)maxSide / Math.Max(image.Width, image.Height);
            image.Mutate(x => x.Resize(Math.Max(1, (int)Math.Round(image.Width * s)), Math.Max(1, (int)Math.Round(image.Height * s))));
        }

        using var ms = new MemoryStream();
        image.SaveAsJpeg(ms, new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 90 });
        return (ms.ToArray(), "image/jpeg");
    }

    /// <summary>Throws when the image has more pixels than allowed.</summary>
    /// <param name="info">The header.</param>
    /// <param name="maxPixels">The limit.</param>
    /// <exception cref="InvalidImageException">Over the limit.</exception>
    /// <param name="setting">The setting that holds the limit, named in the message.</param>
    public static void EnsureWithinLimit(ImageInfo info, long maxPixels, string setting = "Indexing:MaxPixels")
    {
        ArgumentNullException.ThrowIfNull(info);
        if (info.Pixels > maxPixels)
        {
            throw new InvalidImageException(string.Create(CultureInfo.InvariantCulture,
                $"{info.Width}×{info.Height} = {info.Pixels / 1e6:0.#} megapixels is over the limit of {maxPixels / 1e6:0.#} megapixels (a possible decompression bomb; raise {setting} to allow it)."));
        }
    }

    /// <summary>
    /// A camera RAW file: the embedded preview to decode, or null when the data is not RAW (a TIFF counts as RAW when a
    /// JPEG inside it is much larger than its own first image, or ImageSharp cannot read it and a JPEG is there).
    /// </summary>
    /// <exception cref="InvalidImageException">A RAW file without a usable preview.</exception>
    private static RawImage? Raw(ReadOnlyMemory<byte> data)
    {
        string? kind = RawPreview.Kind(data.Span);
        if (kind is null && !RawPreview.IsTiff(data.Span))
        {
            return null;
        }

        (int Offset, int Length, int Width, int Height)? preview = RawPreview.LargestJpeg(data);
        if (kind is null)
        {
            if (preview is null)
            {
                return null;
            }

            long own;
            try
            {
                using Stream stream = AsStream(data);
                IImageInfo? tiff = Image.Identify(s_configuration, stream);
                own = tiff is null ? 0 : (long)tiff.Width * tiff.Height;
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                own = 0;
            }

            if (own > 0 && (long)preview.Value.Width * preview.Value.Height < 4 * own)
            {
                return null; // an ordinary TIFF (its own image is the photo)
            }

            kind = "TIFF-based";
        }

        if (preview is not { } p)
        {
            throw new InvalidImageException($"a {kind} RAW file without an embedded JPEG preview: skipped (RAW sensor data is not decoded)");
        }

        if (Math.Max(p.Width, p.Height) < RawPreview.MinimumPreviewSide)
        {
            throw new InvalidImageException($"a {kind} RAW file whose only embedded JPEG is a {p.Width}×{p.Height} thumbnail: skipped (no full-size preview)");
        }

        bool previewOriented;
        try
        {
            using Stream stream = AsStream(data.Slice(p.Offset, p.Length));
            IImageInfo? previewInfo = Image.Identify(s_configuration, stream);
            previewOriented = previewInfo?.Metadata.ExifProfile?.GetValue(ExifTag.Orientation)?.Value is ushort o && o > 1;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            previewOriented = false;
        }

        return new RawImage(new ImageInfo("RAW", p.Width, p.Height, null), p.Offset, p.Length, RawPreview.TiffOrientation(data.Span), previewOriented);
    }

    private sealed record RawImage(ImageInfo Info, int Offset, int Length, int Orientation, bool PreviewHasOrientation);

    private static DateTimeOffset? ReadTakenAt(IImageInfo info)
    {
        ExifProfile? exif = info.Metadata.ExifProfile;
        if (exif is null)
        {
            return null;
        }

        IExifValue<string>? value = exif.GetValue(ExifTag.DateTimeOriginal) ?? exif.GetValue(ExifTag.DateTime);
        return value?.Value is { } text &&
            DateTime.TryParseExact(text.Trim('\0', ' '), "yyyy:MM:dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTime dt)
            ? new DateTimeOffset(dt, TimeSpan.Zero)
            : null;
    }

    private static MemoryStream AsStream(ReadOnlyMemory<byte> data) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(data, out ArraySegment<byte> segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);

    private static Configuration CreateConfiguration()
    {
        Configuration c = Configuration.Default.Clone();
        c.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
        c.ImageFormatsManager.SetDecoder(TiffFormat.Instance, new TiffDecoder { DecodingMode = FrameDecodingMode.First });
        return c;
    }
}
