namespace AgentRetrieval.Imaging;

/// <summary>What an image's header says, read without decoding its pixels.</summary>
/// <param name="Format">The format name (JPEG, PNG, GIF, BMP, WEBP, TIFF).</param>
/// <param name="Width">Width in pixels, before EXIF orientation.</param>
/// <param name="Height">Height in pixels, before EXIF orientation.</param>
/// <param name="TakenAt">The EXIF original date, when the file records one.</param>
public sealed record ImageInfo(string Format, int Width, int Height, DateTimeOffset? TakenAt)
{
    /// <summary>Width × height.</summary>
    public long Pixels => (long)Width * Height;
}
