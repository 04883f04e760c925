using System.Buffers.Binary;

namespace AgentRetrieval.Imaging;

/// <summary>
/// Recognises HEIF-family files (HEIC, HEIF, AVIF) by their content, the ISO base media file format's <c>ftyp</c> box
/// and its brands, and checks that the file's boxes are whole (a truncated HEIC or AVIF is refused, not half-decoded).
/// </summary>
internal static class HeifContainer
{
    private static readonly HashSet<string> s_heic = new(StringComparer.Ordinal) { "heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs" };
    private static readonly HashSet<string> s_avif = new(StringComparer.Ordinal) { "avif", "avis" };
    private static readonly HashSet<string> s_generic = new(StringComparer.Ordinal) { "mif1", "msf1", "miaf" };

    /// <summary>"HEIC", "AVIF" or "HEIF" (another image brand), or null when the data is not an image in a HEIF container.</summary>
    public static string? Detect(ReadOnlySpan<byte> data)
    {
        if (data.Length < 16 || !data.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            return null;
        }

        uint size = BinaryPrimitives.ReadUInt32BigEndian(data);
        if (size < 16 || size > data.Length || size > 4096)
        {
            return null;
        }

        var brands = new List<string> { Brand(data.Slice(8, 4)) };
        for (int p = 16; p + 4 <= size; p += 4)
        {
            brands.Add(Brand(data.Slice(p, 4)));
        }

        // The major brand decides; a generic major brand (mif1) is refined by the compatible brands.
        string major = brands[0];
        return s_avif.Contains(major) ? "AVIF"
            : s_heic.Contains(major) ? "HEIC"
            : !s_generic.Contains(major) ? null
            : brands.Any(s_avif.Contains) ? "AVIF"
            : brands.Any(s_heic.Contains) ? "HEIC"
            : "HEIF";
    }

    /// <summary>Why the boxes are not whole (a box runs past the end of the file), or null when they are.</summary>
    public static string? Problem(ReadOnlySpan<byte> data)
    {
        long pos = 0;
        bool sawMeta = false, sawData = false;
        while (pos < data.Length)
        {
            if (pos + 8 > data.Length)
            {
                return "it ends inside a box header";
            }

            long size = BinaryPrimitives.ReadUInt32BigEndian(data[(int)pos..]);
            ReadOnlySpan<byte> type = data.Slice((int)pos + 4, 4);
            if (size == 1)
            {
                if (pos + 16 > data.Length)
                {
                    return "it ends inside a box header";
                }

                size = (long)BinaryPrimitives.ReadUInt64BigEndian(data[((int)pos + 8)..]);
            }
            else if (size == 0)
            {
                size = data.Length - pos; // the last box runs to the end of the file
            }

            if (size < 8)
            {
                return "a box has an impossible size";
            }

            if (pos + size > data.Length)
            {
                return $"its '{Brand(type)}' box needs {pos + size - data.Length} more bytes than the file holds";
            }

            sawMeta |= type.SequenceEqual("meta"u8);
            sawData |= type.SequenceEqual("mdat"u8) || type.SequenceEqual("idat"u8);
            pos += size;
        }

        return !sawMeta ? "it has no 'meta' box" : !sawData ? "it has no image data ('mdat' box)" : null;
    }

    /// <summary>
    /// Whether the file declares a rotation or mirror (the HEIF <c>irot</c>/<c>imir</c> item properties in its
    /// <c>meta</c> box, which the decoder applies); files from phones carry these, and then an EXIF orientation must not
    /// be applied a second time. Only the <c>meta</c> box is searched: the compressed image data may hold any bytes.
    /// </summary>
    public static bool HasTransform(ReadOnlySpan<byte> data)
    {
        long pos = 0;
        while (pos + 8 <= data.Length)
        {
            long size = BinaryPrimitives.ReadUInt32BigEndian(data[(int)pos..]);
            int header = 8;
            if (size == 1 && pos + 16 <= data.Length)
            {
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(data[((int)pos + 8)..]);
                header = 16;
            }
            else if (size == 0)
            {
                size = data.Length - pos;
            }

            if (size < header || pos + size > data.Length)
            {
                return false;
            }

            if (data.Slice((int)pos + 4, 4).SequenceEqual("meta"u8))
            {
                ReadOnlySpan<byte> meta = data.Slice((int)pos + header, (int)size - header);
                return meta.IndexOf("irot"u8) >= 0 || meta.IndexOf("imir"u8) >= 0;
            }

            pos += size;
        }

        return false;
    }

    private static string Brand(ReadOnlySpan<byte> b) =>
        string.Create(4, b.ToArray(), static (span, bytes) =>
        {
            for (int i = 0; i < 4; i++)
            {
                span[i] = bytes[i] is >= 0x20 and < 0x7F ? (char)bytes[i] : '?';
            }
        });
}
