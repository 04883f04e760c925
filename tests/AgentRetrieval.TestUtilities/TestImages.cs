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
