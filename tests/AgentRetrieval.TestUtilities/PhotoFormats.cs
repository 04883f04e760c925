using System.Buffers.Binary;
using System.Diagnostics;

namespace AgentRetrieval.Tests;

/// <summary>
/// Makes the same photo in other formats with the Debian tools .ci/run installs: HEIC and AVIF with libheif's heif-enc,
/// EXIF with exiftool, test pictures with ImageMagick; and RAW-like files (a camera TIFF with an embedded JPEG preview).
/// </summary>
public static class PhotoFormats
{
    public const string HeifEnc = "/usr/bin/heif-enc";

    /// <summary>Skips (fails in CI) when a tool is missing.</summary>
    public static void RequireTools()
    {
        string? missing = !File.Exists(HeifEnc) ? "heif-enc (libheif-examples)"
            : !File.Exists("/usr/bin/convert") ? "ImageMagick"
            : !new[] { "/usr/bin/exiftool", "/usr/local/bin/exiftool" }.Any(File.Exists) ? "exiftool (libimage-exiftool-perl)"
            : null;
        if (missing is null)
        {
            return;
        }

        string message = $"This test needs {missing}; .ci/run installs it.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
    }

    public static string ExifTool => new[] { "/usr/bin/exiftool", "/usr/local/bin/exiftool" }.First(File.Exists);

    /// <summary>Runs a tool; fails the test with its error output when it fails.</summary>
    public static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{Path.GetFileName(file)} {string.Join(' ', args)} failed: {err}");
    }

    /// <summary>A JPEG photo (a real picture resized) to <paramref name="path"/>.</summary>
    public static string Jpeg(string source, string path, string size = "800x600!")
    {
        Run("/usr/bin/convert", source, "-resize", size, "-quality", "92", path);
        return path;
    }

    /// <summary>The JPEG as HEIC (x265) or AVIF (aom), EXIF included.</summary>
    public static string Encode(string jpeg, string path, bool avif)
    {
        Run(HeifEnc, avif ? ["-A", "-q", "90", jpeg, "-o", path] : ["-q", "90", jpeg, "-o", path]);
        return path;
    }

    /// <summary>
    /// A RAW-like camera file: a TIFF whose first image is a 160×120 thumbnail, with camera EXIF written by exiftool and
    /// the full-size JPEG preview appended after the TIFF structure (where cameras put it), orientation in the TIFF.
    /// </summary>
    public static string RawWithPreview(string jpegPreview, string path, int orientation = 1, params string[] exifTags)
    {
        string thumb = path + ".thumb.tif";
        Run("/usr/bin/convert", jpegPreview, "-resize", "160x120!", "-compress", "none", thumb);
        Run(ExifTool, ["-q", "-overwrite_original", $"-IFD0:Orientation#={orientation}", .. exifTags, thumb]);
        byte[] tiff = File.ReadAllBytes(thumb);
        File.Delete(thumb);
        File.WriteAllBytes(path, [.. tiff, .. new byte[64], .. File.ReadAllBytes(jpegPreview)]);
        return path;
    }

    /// <summary>A RAW-like file with no JPEG at all (only the TIFF thumbnail).</summary>
    public static string RawWithoutPreview(string source, string path)
    {
        string tiff = path + ".tif";
        Run("/usr/bin/convert", source, "-resize", "160x120!", "-compress", "none", tiff);
        byte[] d = File.ReadAllBytes(tiff);
        File.Delete(tiff);
        File.WriteAllBytes(path, d);
        // Mark it as a Canon CR2 (bytes 8-10 'CR' 2), so it is a RAW file by content, not a plain TIFF.
        byte[] marked = [.. d[..8], (byte)'C', (byte)'R', 2, 0, .. d[12..]];
        if (BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(4)) < 12)
        {
            return path; // its first directory starts inside the bytes the mark would overwrite: leave it a TIFF
        }

        File.WriteAllBytes(path, marked);
        return path;
    }
}
