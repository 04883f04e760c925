using ImageMagick;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AgentRetrieval.Imaging;

/// <summary>What the Magick.NET decoders share: the decoded pixels as an ImageSharp image, and turning it by an EXIF orientation.</summary>
internal static class MagickRgb
{
    /// <summary>The image's pixels as 8-bit RGB (alpha dropped, as the CLIP reference drops it).</summary>
    public static Image<Rgb24> Copy(MagickImage image, string format)
    {
        image.Alpha(AlphaAction.Off);
        int width = (int)image.Width, height = (int)image.Height;
        using IUnsafePixelCollection<byte> pixels = image.GetPixelsUnsafe();
        byte[] rgb = pixels.ToByteArray(PixelMapping.RGB) ?? throw new InvalidImageException($"The {format} image has no pixels.");
        return Image.LoadPixelData<Rgb24>(rgb, width, height);
    }

    /// <summary>Turns the image upright as the EXIF orientation (2–8) says; 1 or none leaves it.</summary>
    public static void TurnByExif(Image<Rgb24> image, int? orientation)
    {
        if (orientation is int o && o > 1)
        {
            image.Metadata.ExifProfile = new SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifProfile();
            image.Metadata.ExifProfile.SetValue(SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifTag.Orientation, (ushort)o);
            image.Mutate(x => x.AutoOrient());
        }
    }
}
