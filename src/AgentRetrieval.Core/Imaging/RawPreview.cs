using System.Buffers.Binary;

namespace AgentRetrieval.Imaging;

/// <summary>
/// Camera RAW files (DNG, CR2, CR3, NEF, ARW, RAF, ORF, RW2, PEF, SRW) are indexed through the full-size JPEG preview
/// the camera embeds in them (rclip does the same): recognised by content, the largest embedded JPEG that is whole is
/// taken, and the RAW file's own orientation (its first TIFF directory) is applied to it. The RAW file's metadata
/// (date, camera, position) is read from the RAW file itself. A RAW file without a usable preview is reported as such.
/// </summary>
internal static class RawPreview
{
    /// <summary>The smallest long side of a preview worth indexing; smaller ones are only thumbnails.</summary>
    public const int MinimumPreviewSide = 512;

    /// <summary>The RAW file name extensions the indexer picks up.</summary>
    public static readonly string[] Extensions = [".dng", ".cr2", ".cr3", ".nef", ".nrw", ".arw", ".raf", ".orf", ".rw2", ".pef", ".srw"];

    /// <summary>The RAW kind when the content is a camera RAW file (by its magic), else null.</summary>
    public static string? Kind(ReadOnlySpan<byte> d)
    {
        if (d.Length < 16)
        {
            return null;
        }

        if (d.StartsWith("FUJIFILMCCD-RAW"u8))
        {
            return "RAF";
        }

        if (d.Slice(4, 8).SequenceEqual("ftypcrx "u8))
        {
            return "CR3";
        }

        if (d.StartsWith("IIRO"u8) || d.StartsWith("IIRS"u8) || d.StartsWith("MMOR"u8))
        {
            return "ORF";
        }

        if (d.StartsWith("IIU\0"u8))
        {
            return "RW2";
        }

        if (d.StartsWith("II*\0"u8) && d.Slice(8, 3).SequenceEqual("CR\u0002"u8))
        {
            return "CR2";
        }

        return null;
    }

    /// <summary>Whether the data is a TIFF (the container of DNG, NEF, ARW, PEF and SRW as well as of plain TIFF images).</summary>
    public static bool IsTiff(ReadOnlySpan<byte> d) => d.Length >= 8 && (d.StartsWith("II*\0"u8) || d.StartsWith("MM\0*"u8));

    /// <summary>The largest whole JPEG embedded in the data (offset and length), or null.</summary>
    public static (int Offset, int Length, int Width, int Height)? LargestJpeg(ReadOnlyMemory<byte> data)
    {
        ReadOnlySpan<byte> d = data.Span;
        (int Offset, int Length, int Width, int Height)? best = null;
        int pos = 0;
        while (true)
        {
            int i = d[pos..].IndexOf([(byte)0xFF, (byte)0xD8, (byte)0xFF]);
            if (i < 0)
            {
                break;
            }

            int start = pos + i;
            pos = start + 2;
            if (JpegEnd(d, start) is not int end)
            {
                continue;
            }

            try
            {
                ImageInfo info = ImageLoader.Identify(data[start..end]);
                if (best is null || (long)info.Width * info.Height > (long)best.Value.Width * best.Value.Height)
                {
                    best = (start, end - start, info.Width, info.Height);
                }

                pos = end; // a preview's own thumbnail lies inside it; it is never larger
            }
            catch (InvalidImageException)
            {
                // Not a JPEG after all, or a damaged one: look further.
            }
        }

        return best;
    }

    /// <summary>The orientation (1-8) in the first TIFF directory of a TIFF-based RAW file, or 1.</summary>
    public static int TiffOrientation(ReadOnlySpan<byte> d)
    {
        if (!IsTiff(d) && !d.StartsWith("IIRO"u8) && !d.StartsWith("IIU\0"u8))
        {
            return 1;
        }

        bool little = d[0] == (byte)'I';
        uint ifd = Read32(d, 4, little);
        if (ifd + 2 > d.Length)
        {
            return 1;
        }

        int count = Read16(d, (int)ifd, little);
        for (int e = 0; e < count; e++)
        {
            int at = (int)ifd + 2 + (e * 12);
            if (at + 12 > d.Length)
            {
                return 1;
            }

            if (Read16(d, at, little) == 0x0112)
            {
                int value = Read16(d, at + 8, little);
                return value is >= 1 and <= 8 ? value : 1;
            }
        }

        return 1;
    }

    /// <summary>The end (exclusive) of the JPEG that starts at <paramref name="start"/>, or null when it is not whole.</summary>
    private static int? JpegEnd(ReadOnlySpan<byte> d, int start)
    {
        int p = start + 2;
        while (p + 4 <= d.Length)
        {
            if (d[p] != 0xFF)
            {
                return null;
            }

            byte marker = d[p + 1];
            if (marker == 0xFF)
            {
                p++;
                continue;
            }

            int length = (d[p + 2] << 8) | d[p + 3];
            if (length < 2 || p + 2 + length > d.Length)
            {
                return null;
            }

            p += 2 + length;
            if (marker != 0xDA)
            {
                continue;
            }

            // Entropy-coded data: runs to the next marker that is not a stuffed zero or a restart marker.
            while (p + 1 < d.Length)
            {
                if (d[p] == 0xFF && d[p + 1] != 0x00 && (d[p + 1] < 0xD0 || d[p + 1] > 0xD7))
                {
                    if (d[p + 1] == 0xD9)
                    {
                        return p + 2;
                    }

                    break; // another segment (progressive scans): go on reading segments
                }

                p++;
            }
        }

        return null;
    }

    private static int Read16(ReadOnlySpan<byte> d, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(d[at..]) : BinaryPrimitives.ReadUInt16BigEndian(d[at..]);

    private static uint Read32(ReadOnlySpan<byte> d, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(d[at..]) : BinaryPrimitives.ReadUInt32BigEndian(d[at..]);
}
