using AgentRetrieval.Embeddings;
using AgentRetrieval.Imaging;
using AgentRetrieval.Indexing;
using AgentRetrieval.Metadata;
using AgentRetrieval.Search;

namespace AgentRetrieval.Tests.Search;

/// <summary>Which results count as the same shot in another format, on a real index.</summary>
public sealed class FormatTwinsTests : IDisposable
{
    private static readonly ModelIdentity s_model = new("fake-clip", 4, "beef", new Dictionary<string, string>());
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static IndexedFile File(string name, string format, float[] vector, DateTime? taken, string model = "iPhone 14") =>
        new($"/photos/{name}", "hash-" + name, 1, 1, new ImageInfo(format, 8, 8, null), FakeTextEmbeddingGenerator.Normalize(vector),
            new PhotoMetadata(taken, null, null, null, "Apple", model, 1));

    [Fact]
    public void Merge_SameShotOtherFormat_OneResult_ElseKeptApart()
    {
        using EmbeddedImageIndex index = EmbeddedImageIndex.Open(_dir.Combine("index"));
        index.BindModel(s_model);
        var at = new DateTime(2023, 7, 14, 18, 30, 5);
        index.Commit(
        [
            File("IMG_1.jpg", "JPEG", [1, 0.1f, 0, 0], at),
            File("IMG_1.HEIC", "HEIC", [1, 0.11f, 0, 0], at),            // the twin: same second, camera, picture
            File("IMG_2.HEIC", "HEIC", [0, 1, 0, 0], at),                // same second and camera, another picture (a burst)
            File("copy.jpg", "JPEG", [1, 0.1f, 0.01f, 0], at),           // same picture, same format: not a format twin
            File("other.HEIC", "HEIC", [1, 0.1f, 0, 0], at, "iPhone 15"), // same picture and second, another camera
            File("later.HEIC", "HEIC", [1, 0.1f, 0, 0], at.AddSeconds(1)),
        ]);
        Dictionary<string, long> ids = index.ListImages().ToDictionary(i => System.IO.Path.GetFileName(i.Path), i => i.Id);
        ImageHit[] ranked = [.. new[] { "IMG_1.jpg", "IMG_1.HEIC", "IMG_2.HEIC", "copy.jpg", "other.HEIC", "later.HEIC" }.Select((n, i) => new ImageHit(ids[n], $"/photos/{n}", 1f - (i * 0.01f)))];

        List<ImageHit> merged = FormatTwins.Merge(index, ranked);

        Assert.Equal(["IMG_1.jpg", "IMG_2.HEIC", "copy.jpg", "other.HEIC", "later.HEIC"], merged.Select(h => System.IO.Path.GetFileName(h.Path)));
        Assert.Equal(["/photos/IMG_1.HEIC"], merged[0].AlsoAt);
        Assert.All(merged.Skip(1), h => Assert.Empty(h.AlsoAt));
    }
}
