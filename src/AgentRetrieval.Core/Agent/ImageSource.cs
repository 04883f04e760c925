using AgentRetrieval.Imaging;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Agent;

/// <summary>Reads candidate images for the LLM and looks up or makes their captions.</summary>
internal sealed class ImageSource(Indexing.ICaptionStore? captions, long maxPixels)
{
    public async Task<DataContent> ReadAsync(RankedImage image, CancellationToken cancellationToken)
    {
        byte[] data = await File.ReadAllBytesAsync(image.Path, cancellationToken);
        ImageInfo info = ImageLoader.Identify(data);
        ImageLoader.EnsureWithinLimit(info, maxPixels);
        return new DataContent(data, MediaType(info.Format)) { Name = Path.GetFileName(image.Path) };
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
