using System.Buffers.Binary;

namespace AgentRetrieval.Imaging;

/// <summary>
/// Detects files cut short, format by format, from their own structure. ImageSharp fills what is missing of a truncated
/// file with grey or black where the reference library refuses it; an index of half-grey images is worse than a reported
/// error.
/// </summary>
internal static class TruncationCheck
{
    /// <summary>Why the file looks cut short, or null when it looks whole.</summary>
    public static string? Problem(ReadOnlySpan<byte> data, string format) => format switch
    {
        "JPEG" => Tail(data).IndexOf([(byte)0xFF, (byte)0xD9]) >= 0 ? null : "its end marker (EOI) is missing",
        "PNG" => Tail(data).IndexOf("IEND"u8) >= 0 ? null : "its end chunk (IEND) is missing",
        "GIF" => Gif(data),
        "WEBP" => Riff(data),
        "BMP" => Bmp(data),
        "TIFF" => Tiff(data),
        _ => null,
    };

    private static ReadOnlySpan<byte> Tail(ReadOnlySpan<byte> data) => data[Math.Max(0, data.Length - 1024)..];

    /// <summary>The first image of a GIF must be whole: every block up to the end of its image data.</summary>
    private static string? Gif(ReadOnlySpan<byte> d)
    {
        if (d.Length < 13)
        {
            return "it ends inside its header";
        }

        int pos = 13;
        if ((d[10] & 0x80) != 0)
        {
            pos += 3 << ((d[10] & 7) + 1);
        }

        while (pos < d.Length)
        {
            byte block = d[pos++];
            switch (block)
            {
                case 0x21: // extension: label, then sub-blocks
                    if (pos >= d.Length)
                    {
                        return "it ends inside an extension block";
                    }

                    pos++;
                    if (!SkipSubBlocks(d, ref pos))
                    {
                        return "it ends inside an extension block";
                    }

                    break;
                case 0x2C: // image: descriptor, local colour table, LZW code size, data sub-blocks
                    if (pos + 9 > d.Length)
                    {
                        return "it ends inside the first image's descriptor";
                    }

                    byte flags = d[pos + 8];
                    pos += 9;
                    if ((flags & 0x80) != 0)
                    {
                        pos += 3 << ((flags & 7) + 1);
                    }

                    pos++; // LZW minimum code size
                    return pos <= d.Length && SkipSubBlocks(d, ref pos) ? null : "the first image's data is cut short";
                case 0x3B:
                    return "it has no image";
                default:
                    return $"an unknown block (0x{block:X2}) where an image or extension should be";
            }
        }

        return "it ends before its first image";
    }

    private static bool SkipSubBlocks(ReadOnlySpan<byte> d, ref int pos)
    {
        while (pos < d.Length)
        {
            int size = d[pos++];
            if (size == 0)
            {
                return true;
            }

            pos += size;
        }

        return false;
    }

    /// <summary>A RIFF container (WebP) says its own length.</summary>
    private static string? Riff(ReadOnlySpan<byte> d)
    {
        if (d.Length < 12)
        {
            return "it ends inside its header";
        }

        long size = BinaryPrimitives.ReadUInt32LittleEndian(d[4..]) + 8L;
        return d.Length >= size ? null : $"it is {d.Length:N0} bytes of the {size:N0} its header gives";
    }

    /// <summary>A BMP's pixel rows must all be there.</summary>
    private static string? Bmp(ReadOnlySpan<byte> d)
    {
        if (d.Length < 34)
        {
            return "it ends inside its header";
        }

        long offset = BinaryPrimitives.ReadUInt32LittleEndian(d[10..]);
        int headerSize = BinaryPrimitives.ReadInt32LittleEndian(d[14..]);
        if (headerSize < 40)
        {
            return null; // OS/2 core header: rare; left to the decoder
        }

        long width = BinaryPrimitives.ReadInt32LittleEndian(d[18..]);
        long height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(d[22..]));
        int bpp = BinaryPrimitives.ReadUInt16LittleEndian(d[28..]);
        uint compression = BinaryPrimitives.ReadUInt32LittleEndian(d[30..]);
        long imageSize = d.Length >= 38 ? BinaryPrimitives.ReadUInt32LittleEndian(d[34..]) : 0;
        long needed = compression is 0 or 3 or 6 // uncompressed (RGB, bit fields)
            ? offset + (((bpp * width) + 31) / 32 * 4 * height)
            : offset + imageSize;
        return d.Length >= needed ? null : $"it is {d.Length:N0} bytes; its pixel rows need {needed:N0}";
    }

    /// <summary>A TIFF's first image: every strip or tile its directory names must be inside the file.</summary>
    private static string? Tiff(ReadOnlySpan<byte> d)
    {
        if (d.Length < 8)
        {
            return "it ends inside its header";
        }

        bool little = d[0] == (byte)'I';
        long ifd = U32(d, little, 4);
        if (ifd + 2 > d.Length)
        {
            return "its image directory is missing";
        }

        int count = U16(d, little, (int)ifd);
        if (ifd + 2 + (count * 12L) > d.Length)
        {
            return "it ends inside its image directory";
        }

        long[]? offsets = null, counts = null;
        for (int i = 0; i < count; i++)
        {
            int e = (int)ifd + 2 + (i * 12);
            ushort tag = U16(d, little, e), type = U16(d, little, e + 2);
            uint n = U32(d, little, e + 4);
            if (tag is 273 or 324 or 279 or 325)
            {
                int size = type == 3 ? 2 : 4;
                long at = n * size <= 4 ? e + 8 : U32(d, little, e + 8);
                if (at + (n * (long)size) > d.Length || n > 10_000_000)
                {
                    return "it ends inside its strip table";
                }

                long[] values = new long[n];
                for (int k = 0; k < n; k++)
                {
                    values[k] = type == 3 ? U16(d, little, (int)at + (k * 2)) : U32(d, little, (int)at + (k * 4));
                }

                if (tag is 273 or 324)
                {
                    offsets = values;
                }
                else
                {
                    counts = values;
                }
            }
        }

        if (offsets is null || counts is null)
        {
            return null;
        }

        long end = 0;
        for (int i = 0; i < Math.Min(offsets.Length, counts.Length); i++)
        {
            end = Math.Max(end, offsets[i] + counts[i]);
        }

        return d.Length >= end ? null : $"it is {d.Length:N0} bytes; its image data runs to {end:N0}";
    }

    private static uint U32(ReadOnlySpan<byte> d, bool little, int at) => little ? BinaryPrimitives.ReadUInt32LittleEndian(d[at..]) : BinaryPrimitives.ReadUInt32BigEndian(d[at..]);

    private static ushort U16(ReadOnlySpan<byte> d, bool little, int at) => little ? BinaryPrimitives.ReadUInt16LittleEndian(d[at..]) : BinaryPrimitives.ReadUInt16BigEndian(d[at..]);
}
