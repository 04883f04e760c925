using System.Collections.Concurrent;
using AgentRetrieval.Imaging;
using AgentRetrieval.Indexing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AgentRetrieval.Web;

/// <summary>Thumbnails made once per image content and kept as JPEG files beside the index.</summary>
internal sealed class ThumbnailCache(EmbeddedImageIndex index, WebOptions options, long maxPixels)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<byte[]>>> _inFlight = new(StringComparer.Ordinal);
    private readonly string _directory = Path.Combine(index.Directory, "thumbnails");

    /// <summary>The thumbnail of a catalogue id, or null when the id is unknown.</summary>
    public async Task<byte[]?> GetAsync(long id, CancellationToken cancellationToken)
    {
        CatalogEntry? entry = index.GetEntry(id);
        if (entry is null || entry.Paths.Count == 0)
        {
            return null;
        }

        string file = Path.Combine(_directory, $"{entry.Hash}-{options.ThumbnailSize}.jpg");
        if (File.Exists(file))
        {
            return await File.ReadAllBytesAsync(file, cancellationToken);
        }

        Lazy<Task<byte[]>> work = _inFlight.GetOrAdd(file, _ => new Lazy<Task<byte[]>>(() => Task.Run(() => Make(entry.Paths[0], file))));
        try
        {
            return await work.Value.WaitAsync(cancellationToken);
        }
        finally
        {
            _inFlight.TryRemove(file, out _);
        }
    }

    private byte[] Make(string source, string file)
    {
        using Image<Rgb24> image = ImageLoader.LoadRgb(File.ReadAllBytes(source), maxPixels);
        image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(options.ThumbnailSize, options.ThumbnailSize), Mode = ResizeMode.Max }));
        using var ms = new MemoryStream();
        image.SaveAsJpeg(ms, new JpegEncoder { Quality = 82 });
        byte[] bytes = ms.ToArray();
        Directory.CreateDirectory(_directory);
        string temp = file + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, file, overwrite: true);
        return bytes;
    }
}
