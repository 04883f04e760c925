using System.Globalization;
using ImageMagick;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AgentRetrieval.Imaging;

/// <summary>
/// Decodes a large JPEG at 1/2, 1/4 or 1/8 of its size straight from the DCT coefficients (libjpeg-turbo's scaled
/// decoding inside Magick.NET, what PIL's draft mode does), when the model needs far fewer pixels than the photo has:
/// a 12-megapixel photo decodes several times faster. The scale is the smallest that keeps the short side at least
/// <c>minShortSide</c>; the image comes out upright (EXIF orientation applied) as 8-bit RGB.
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal static class ScaledJpegDecoder
{
    /// <summary>The DCT scale (1, 2, 4 or 8) for an image of this size when <paramref name="minShortSide"/> pixels suffice.</summary>
    public static int ScaleFor(int width, int height, int minShortSide)
    {
        if (minShortSide <= 0)
        {
            return 1;
        }

        int shortSide = Math.Min(width, height);
        int scale = 1;
        while (scale < 8 && shortSide / (scale * 2) >= minShortSide)
        {
            scale *= 2;
        }

        return scale;
    }

    /// <summary>Decodes at 1/<paramref name="scale"/>.</summary>
    /// <exception cref="InvalidImageException">The data cannot be decoded.</exception>
    public static Image<Rgb24> Decode(ReadOnlyMemory<byte> data, int width, int height, int scale)
    {
        try
        {
            var settings = new MagickReadSettings { Format = MagickFormat.Jpeg };
            settings.SetDefine(MagickFormat.Jpeg, "size", string.Create(CultureInfo.InvariantCulture, $"{(width + scale - 1) / scale}x{(height + scale - 1) / scale}"));
            using var image = new MagickImage(data.ToArray(), settings);
            if (image.ColorSpace != ColorSpace.sRGB)
            {
                image.ColorSpace = ColorSpace.sRGB; // CMYK, YCCK and grey JPEGs, as the full decoder turns them
            }

            Image<Rgb24> result = MagickRgb.Copy(image, "JPEG");
            MagickRgb.TurnByExif(result, Metadata.PhotoMetadataReader.Read(data).Orientation);
            return result;
        }
        catch (MagickException ex)
        {
            throw new InvalidImageException($"The JPEG image cannot be decoded: {ex.Message.Split('\n')[0].Trim()}", ex);
        }
    }
}
