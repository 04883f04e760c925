using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AgentRetrieval.Tests;

/// <summary>Makes small real image files for tests.</summary>
public static class TestImages
{
    public static byte[] Png(int width, int height, byte seed)
    {
        using var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image[x, y] = new Rgb24((byte)(x * 7 + seed), (byte)(y * 13 + seed), (byte)(seed * 3));
            }
        }

        using var ms = new MemoryStream();
        image.SaveAsPng(ms);
        return ms.ToArray();
    }

    public static byte[] Jpeg(int width, int height, byte seed)
    {
        using var image = Image.Load<Rgb24>(Png(width, height, seed));
        using var ms = new MemoryStream();
        image.SaveAsJpeg(ms);
        return ms.ToArray();
    }

    /// <summary>A JPEG with EXIF: date taken (wall-clock, optional offset), camera, GPS position; any part may be null.</summary>
    public static byte[] JpegWithExif(byte seed, string? taken, string? make = null, string? model = null, double? lat = null, double? lon = null, string? offset = null, string? createDate = null)
    {
        using var image = Image.Load<Rgb24>(Png(48, 32, seed));
        var exif = new SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifProfile();
        if (taken is not null)
        {
            exif.SetValue(SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifTag.DateTimeOriginal, taken);
        }

        if (createDate is not null)
        {
            exif.SetValue(SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifTag.DateTimeDigitized, createDate);
        }

        if (offset is not null)
        {
            exif.SetValue(SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifTag.OffsetTimeOriginal, offset);
        }

        if (make is not null)
        {
            exif.SetValue(SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifTag.Make, make);
        }

        if (model is not null)
        {
            exif.SetValue(SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifTag.Model, model);
        }

        if (lat is double la && lon is double lo)
        {
            exif.SetValue(SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifTag.GPSLatitudeRef, la >= 0 ? "N" : "S");
            exif.SetValue(SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifTag.GPSLatitude, Dms(Math.Abs(la)));
            exif.SetValue(SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifTag.GPSLongitudeRef, lo >= 0 ? "E" : "W");
            exif.SetValue(SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifTag.GPSLongitude, Dms(Math.Abs(lo)));
        }

        image.Metadata.ExifProfile = exif;
        using var ms = new MemoryStream();
        image.SaveAsJpeg(ms);
        return ms.ToArray();

        static Rational[] Dms(double deg)
        {
            int d = (int)deg;
            double m = (deg - d) * 60;
            int mi = (int)m;
            double s = (m - mi) * 60;
            return [new Rational((uint)d, 1), new Rational((uint)mi, 1), new Rational((uint)Math.Round(s * 1000), 1000)];
        }
    }

    /// <summary>A PNG whose header claims a huge size: identify reads it, decoding would allocate gigabytes.</summary>
    public static byte[] BombPng(int width, int height)
    {
        byte[] png = Png(1, 1, 1);
        // IHDR data starts at byte 16: width and height big-endian; the chunk CRC (bytes 29-32) is recomputed.
        byte[] w = BitConverter.GetBytes(width);
        byte[] h = BitConverter.GetBytes(height);
        Array.Reverse(w);
        Array.Reverse(h);
        w.CopyTo(png, 16);
        h.CopyTo(png, 20);
        byte[] crc = BitConverter.GetBytes(Crc32(png.AsSpan(12, 17)));
        Array.Reverse(crc);
        crc.CopyTo(png, 29);
        return png;
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
