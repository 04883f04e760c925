using ImageMagick;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AgentRetrieval.Imaging;

/// <summary>
/// Decodes HEIC/HEIF and AVIF with Magick.NET (ImageMagick with libheif, HEVC and AV1 inside its native library), for
/// the files ImageSharp cannot read: the header is read first (no pixels decoded) so the pixel limit applies before
/// decoding; the HEIF transformations (rotation, mirror) are applied, or the EXIF orientation when the file has none (never
/// both); an embedded colour profile
/// is converted to sRGB; 10- and 12-bit images come out as 8-bit RGB; alpha is dropped as the CLIP reference drops it.
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal static class HeifDecoder
{
    /// <summary>Reads the dimensions from the header without decoding pixels.</summary>
    /// <exception cref="InvalidImageException">The header cannot be read.</exception>
    public static (int Width, int Height) Identify(ReadOnlyMemory<byte> data, string format)
    {
        try
        {
            var image = new MagickImage();
            using (image)
            {
                image.Ping(data.ToArray(), new MagickReadSettings { Format = Format(format) });
                return ((int)image.Width, (int)image.Height);
            }
        }
        catch (MagickException ex)
        {
            throw new InvalidImageException($"The {format} header cannot be read: {FirstLine(ex.Message)}", ex);
        }
    }

    /// <summary>Decodes to 8-bit RGB, upright, sRGB.</summary>
    /// <exception cref="InvalidImageException">The data cannot be decoded.</exception>
    /// <remarks>The caller has checked the pixel limit against the header (<see cref="Identify"/>).</remarks>
    public static Image<Rgb24> Decode(ReadOnlyMemory<byte> data, string format)
    {
        try
        {
            using var image = new MagickImage(data.ToArray(), new MagickReadSettings { Format = Format(format) });
            image.AutoOrient();
            if (image.GetColorProfile() is { } profile && profile.ColorSpace != ColorSpace.sRGB)
            {
                image.TransformColorSpace(ColorProfiles.SRGB);
            }
            else if (image.ColorSpace != ColorSpace.sRGB)
            {
                image.ColorSpace = ColorSpace.sRGB;
            }

            Image<Rgb24> result = MagickRgb.Copy(image, format);

            // The HEIF way to turn an image is its irot/imir properties, applied above by the decoder; an EXIF orientation
            // is applied only when the file has none (some encoders copy a JPEG's EXIF without converting it).
            if (!HeifContainer.HasTransform(data.Span))
            {
                MagickRgb.TurnByExif(result, Metadata.PhotoMetadataReader.Read(data).Orientation);
            }

            return result;
        }
        catch (MagickException ex)
        {
            throw new InvalidImageException($"The {format} image cannot be decoded: {FirstLine(ex.Message)}", ex);
        }
    }

    private static MagickFormat Format(string format) => format == "AVIF" ? MagickFormat.Avif : MagickFormat.Heic;

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
