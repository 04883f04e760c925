using System.Globalization;
using MetadataExtractor;
using MetadataExtractor.Formats.Exif;
using MetadataExtractor.Formats.Xmp;

namespace AgentRetrieval.Metadata;

/// <summary>
/// Reads a photo's date, position, camera and orientation with MetadataExtractor (EXIF in JPEG, TIFF, PNG, WebP, HEIC
/// and RAW containers, and XMP). Dates stay the photo's own wall-clock time; the UTC offset is kept beside them when the
/// file records one. A file whose metadata cannot be read gives <see cref="PhotoMetadata.Empty"/>, never an error.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public static class PhotoMetadataReader
{
    private const int TagOffsetTimeOriginal = 0x9011;
    private const int TagOffsetTimeDigitized = 0x9012;
    private const int TagOffsetTime = 0x9010;

    /// <summary>Reads the metadata of an encoded image.</summary>
    /// <param name="data">The file's bytes.</param>
    /// <returns>What the file says; missing parts are null.</returns>
    public static PhotoMetadata Read(ReadOnlyMemory<byte> data)
    {
        IReadOnlyList<MetadataExtractor.Directory> directories;
        try
        {
            byte[] bytes = data.ToArray();
            if (Imaging.HeifContainer.Detect(bytes) == "AVIF")
            {
                // MetadataExtractor reads HEIF's boxes but recognises the file by its brand: an AVIF is the same
                // container, so a copy that names itself HEIF ('mif1') reads the same EXIF, XMP and ICC boxes.
                "mif1"u8.CopyTo(bytes.AsSpan(8, 4));
            }

            using var stream = new MemoryStream(bytes, writable: false);
            directories = ImageMetadataReader.ReadMetadata(stream);
        }
        catch (Exception ex) when (ex is ImageProcessingException or IOException or ArgumentException or InvalidOperationException
            or IndexOutOfRangeException or NotSupportedException or OverflowException or FormatException or NullReferenceException)
        {
            // Metadata is a bonus: a file whose metadata is damaged is still an image.
            return PhotoMetadata.Empty;
        }

        return FromDirectories(directories);
    }

    /// <summary>Reads the metadata of an image file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>What the file says.</returns>
    public static PhotoMetadata Read(string path) => Read(File.ReadAllBytes(path));

    internal static PhotoMetadata FromDirectories(IReadOnlyList<MetadataExtractor.Directory> directories)
    {
        ExifSubIfdDirectory? sub = directories.OfType<ExifSubIfdDirectory>().FirstOrDefault();
        ExifIfd0Directory? ifd0 = directories.OfType<ExifIfd0Directory>().FirstOrDefault();
        GpsDirectory? gps = directories.OfType<GpsDirectory>().FirstOrDefault();

        DateTime? taken = null;
        TimeSpan? offset = null;
        if (sub is not null)
        {
            taken = ParseExifDate(sub.GetString(ExifDirectoryBase.TagDateTimeOriginal));
            offset = taken is null ? null : ParseOffset(sub.GetString(TagOffsetTimeOriginal));
            if (taken is null)
            {
                taken = ParseExifDate(sub.GetString(ExifDirectoryBase.TagDateTimeDigitized));
                offset = taken is null ? null : ParseOffset(sub.GetString(TagOffsetTimeDigitized));
            }
        }

        if (taken is null)
        {
            // XMP (photoshop:DateCreated / exif:DateTimeOriginal / xmp:CreateDate) for files with no EXIF date.
            XmpDirectory? xmp = directories.OfType<XmpDirectory>().FirstOrDefault();
            if (xmp?.XmpMeta is { } meta)
            {
                foreach ((string ns, string name) in new[]
                {
                    ("http://ns.adobe.com/exif/1.0/", "DateTimeOriginal"),
                    ("http://ns.adobe.com/photoshop/1.0/", "DateCreated"),
                    ("http://ns.adobe.com/xap/1.0/", "CreateDate"),
                })
                {
                    string? value = TryXmp(meta, ns, name);
                    if (value is not null && ParseIsoDate(value) is { } parsed)
                    {
                        (taken, offset) = parsed;
                        break;
                    }
                }
            }
        }

        if (taken is null && ifd0 is not null)
        {
            // IFD0 DateTime is the last edit time on most cameras, but the capture time on many phones' exports;
            // take it only when nothing better exists.
            taken = ParseExifDate(ifd0.GetString(ExifDirectoryBase.TagDateTime));
            offset = taken is null ? null : ParseOffset(sub?.GetString(TagOffsetTime));
        }

        double? lat = null, lon = null;
        try
        {
            GeoLocation? location = gps?.GetGeoLocation();
            if (location is { } l && double.IsFinite(l.Latitude) && double.IsFinite(l.Longitude) &&
                Math.Abs(l.Latitude) <= 90 && Math.Abs(l.Longitude) <= 180 && !(l.Latitude == 0 && l.Longitude == 0))
            {
                lat = l.Latitude;
                lon = l.Longitude;
            }
        }
        catch (Exception ex) when (ex is FormatException or InvalidCastException or OverflowException or ArgumentException)
        {
            // A malformed GPS block: no position.
        }

        string? make = Clean(ifd0?.GetString(ExifDirectoryBase.TagMake));
        string? model = Clean(ifd0?.GetString(ExifDirectoryBase.TagModel));
        int? orientation = ifd0 is not null && ifd0.TryGetInt32(ExifDirectoryBase.TagOrientation, out int o) && o is >= 1 and <= 8 ? o : null;
        return new PhotoMetadata(taken, offset, lat, lon, make, model, orientation);
    }

    private static string? TryXmp(XmpCore.IXmpMeta meta, string ns, string name)
    {
        try
        {
            return meta.GetPropertyString(ns, name);
        }
        catch (XmpCore.XmpException)
        {
            return null;
        }
    }

    private static string? Clean(string? text)
    {
        if (text is null)
        {
            return null;
        }

        string t = text.Trim('\0', ' ', '\t');
        return t.Length == 0 ? null : t;
    }

    /// <summary>Parses EXIF's "yyyy:MM:dd HH:mm:ss" (also with dashes, or without seconds); null for the all-zero placeholder.</summary>
    internal static DateTime? ParseExifDate(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        string t = text.Trim('\0', ' ');
        string[] formats = ["yyyy:MM:dd HH:mm:ss", "yyyy:MM:dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss", "yyyy:MM:dd HH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy:MM:dd"];
        return DateTime.TryParseExact(t, formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime dt) && dt.Year >= 1826
            ? DateTime.SpecifyKind(dt, DateTimeKind.Unspecified)
            : null;
    }

    /// <summary>Parses "+02:00" / "-05:30" (EXIF OffsetTime*).</summary>
    internal static TimeSpan? ParseOffset(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        string t = text.Trim('\0', ' ');
        if (t.Length == 6 && (t[0] == '+' || t[0] == '-') && t[3] == ':' &&
            int.TryParse(t.AsSpan(1, 2), NumberStyles.None, CultureInfo.InvariantCulture, out int h) &&
            int.TryParse(t.AsSpan(4, 2), NumberStyles.None, CultureInfo.InvariantCulture, out int m) && h <= 14 && m < 60)
        {
            var span = new TimeSpan(h, m, 0);
            return t[0] == '-' ? -span : span;
        }

        return null;
    }

    private static (DateTime, TimeSpan?)? ParseIsoDate(string text)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset dto))
        {
            bool hasOffset = text.Length > 19 && (text.Contains('+', StringComparison.Ordinal) || text.EndsWith('Z') || text.LastIndexOf('-') > 10);
            return (DateTime.SpecifyKind(dto.DateTime, DateTimeKind.Unspecified), hasOffset ? dto.Offset : null);
        }

        return null;
    }
}
