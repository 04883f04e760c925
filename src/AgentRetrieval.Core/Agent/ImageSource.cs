using AgentRetrieval.Imaging;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Agent;

/// <summary>Reads candidate images for the LLM and looks up or makes their captions.</summary>
internal sealed class ImageSource(Indexing.ICaptionStore? captions, long maxPixels)
{
    public async Task<DataContent> ReadAsync(RankedImage image, CancellationToken cancellationToken) => await ReadAsync(image.Path, 0, cancellationToken);

    /// <summary>
    /// The image for the LLM; with <paramref name="maxSide"/> &gt; 0 scaled so that its longest side is at most that
    /// (its image-token cost, where the model's processor follows the size).
    /// </summary>
    public async Task<DataContent> ReadAsync(string path, int maxSide, CancellationToken cancellationToken)
    {
        byte[] data = await File.ReadAllBytesAsync(path, cancellationToken);
        if (maxSide > 0)
        {
            (byte[] small, string mediaType) = ImageLoader.Downscaled(data, maxSide, maxPixels);
            return new DataContent(small, mediaType) { Name = Path.GetFileName(path) };
        }

        ImageInfo info = ImageLoader.Identify(data);
        ImageLoader.EnsureWithinLimit(info, maxPixels);
        return new DataContent(data, MediaType(info.Format)) { Name = Path.GetFileName(path) };
    }

    public string? CachedCaption(long id) => captions?.GetCaption(id);

    public void StoreCaption(long id, string caption) => captions?.SetCaption(id, caption);

    private static string MediaType(string format) => format switch
    {
        "JPEG" => "image/jpeg",
        "PNG" => "image/png",
        "GIF" => "image/gif",
        "BMP" => "image/bmp",
        "WEBP" => "image/webp",
        "TIFF" => "image/tiff",
        _ => "application/octet-stream",
    };
}
