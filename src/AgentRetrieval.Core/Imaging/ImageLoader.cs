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
/// Safe image decoding with ImageSharp 2.1.13: the header is checked against a pixel limit before any pixel is decoded,
/// only the first frame of animations is decoded, EXIF orientation is applied and every colour model
/// (RGBA, grey, palette, CMYK, 16-bit) is converted to 8-bit RGB with alpha dropped, as the CLIP reference does.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public static class ImageLoader
{
    /// <summary>The default pixel limit: 100 megapixels.</summary>
    public const long DefaultMaxPixels = 100_000_000;

    private static readonly Configuration s_configuration = CreateConfiguration();

    /// <summary>The file extensions the indexer accepts (lower-case, with the dot).</summary>
    public static IReadOnlySet<string> SupportedExtensions { get; } =
        new HashSet<string>([".jpg", ".jpeg", ".jpe", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Reads the header of an encoded image without decoding its pixels.</summary>
    /// <param name="data">The encoded image.</param>
    /// <returns>Format, dimensions and EXIF date.</returns>
    /// <exception cref="InvalidImageException">Empty, not an image, or the header cannot be read.</exception>
    public static ImageInfo Identify(ReadOnlyMemory<byte> data)
    {
        if (data.IsEmpty)
        {
            throw new InvalidImageException("The file is empty (0 bytes).");
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
            throw new InvalidImageException("Not an image in a supported format (JPEG, PNG, GIF, BMP, WebP, TIFF).");
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
    public static Image<Rgb24> LoadRgb(ReadOnlyMemory<byte> data, long maxPixels = DefaultMaxPixels)
    {
        ImageInfo info = Identify(data);
        EnsureWithinLimit(info, maxPixels);
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
