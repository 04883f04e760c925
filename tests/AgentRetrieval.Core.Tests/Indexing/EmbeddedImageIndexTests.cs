using AgentRetrieval.Embeddings;
using AgentRetrieval.Imaging;
using AgentRetrieval.Indexing;

namespace AgentRetrieval.Tests.Indexing;

public sealed class EmbeddedImageIndexTests
{
    private static readonly ModelIdentity s_model = new("m", 2, "aaaa", new Dictionary<string, string>());

    [Fact]
    public void Open_LeftoverOfAKilledCreation_IgnoredAndTheCatalogueCreatedWhole()
    {
        // A kill between creating the catalogue file and its first write used to leave a 0-byte catalog.db, which the next
        // run rightly refused as truncated. The catalogue is now created under a temporary name and renamed into place.
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.Combine("catalog.db.creating-99999"), []);

        using (EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir.Path))
        {
            Assert.Equal(0, index.Count);
        }

        Assert.True(new FileInfo(dir.Combine("catalog.db")).Length > 0);
        Assert.Empty(Directory.GetFiles(dir.Path, "catalog.db.creating-" + Environment.ProcessId));
        using EmbeddedImageIndex again = EmbeddedImageIndex.Open(dir.Path);
        Assert.Equal(0, again.Count);
    }

    [Fact]
    public void Search_AfterReopen_FindsNearestByCosine()
    {
        using var dir = new TempDirectory();
        using (EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir.Path))
        {
            index.BindModel(s_model);
            index.Commit([
                new IndexedFile("/p/a.jpg", "h1", 1, 1, new ImageInfo("JPEG", 10, 20, null), [1f, 0f]),
                new IndexedFile("/p/b.jpg", "h2", 1, 1, new ImageInfo("JPEG", 10, 20, DateTimeOffset.Parse("2020-01-02T03:04:05Z")), [0f, 1f]),
                new IndexedFile("/p/c.jpg", "h3", 1, 1, new ImageInfo("PNG", 10, 20, null), [0.6f, 0.8f]),
            ]);
        }

        using EmbeddedImageIndex reopened = EmbeddedImageIndex.Open(dir.Path);
        IReadOnlyList<ImageHit> hits = reopened.Search([0f, 1f], s_model, 2);

        Assert.Equal(["/p/b.jpg", "/p/c.jpg"], hits.Select(h => h.Path));
        // Stored in float16: scores keep three decimals.
        Assert.Equal(1f, hits[0].Score, 3);
        Assert.Equal(0.8f, hits[1].Score, 3);
        CatalogEntry entry = reopened.GetEntry(hits[0].Id)!;
        Assert.Equal(2020, entry.TakenAt!.Value.Year);
        Assert.Equal(["/p/b.jpg"], entry.Paths);
    }

    [Fact]
    public void Search_WithAnotherModel_ThrowsClearMismatch()
    {
        using var dir = new TempDirectory();
        using EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir.Path);
        index.BindModel(s_model);
        index.Commit([new IndexedFile("/p/a.jpg", "h1", 1, 1, null, [1f, 0f])]);

        var ex = Assert.Throws<ModelIdentityMismatchException>(() => index.Search([1f, 0f], s_model with { Fingerprint = "bbbb" }, 1));

        Assert.Contains("m@aaaa/2", ex.Message);
        Assert.Contains("--rebuild", ex.Message);
    }

    [Fact]
    public void RemoveFiles_LastCopyGone_RemovesVector()
    {
        using var dir = new TempDirectory();
        using EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir.Path);
        index.BindModel(s_model);
        index.Commit([
            new IndexedFile("/p/a.jpg", "h1", 1, 1, null, [1f, 0f]),
            new IndexedFile("/p/copy.jpg", "h1", 1, 1, null, null),
        ]);

        Assert.Equal(0, index.RemoveFiles(["/p/a.jpg"]));
        Assert.Equal(1, index.Count);
        Assert.Equal(1, index.RemoveFiles(["/p/copy.jpg"]));
        Assert.Equal(0, index.Count);
    }

    [Fact]
    public void Open_NotADatabase_ThrowsInvalidData()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine(EmbeddedImageIndex.CatalogFileName), "this is not sqlite, it is long enough to have a header of sorts........");

        Assert.Throws<InvalidDataException>(() => EmbeddedImageIndex.Open(dir.Path));
    }

    [Fact]
    public void SearchAndSearchBinary_WrongQuerySize_ClearError()
    {
        using var dir = new TempDirectory();
        using EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir.Path);
        index.BindModel(s_model);
        index.Commit([new IndexedFile("/p/a.jpg", "h1", 1, 1, null, [1f, 0f]), new IndexedFile("/p/b.jpg", "h2", 1, 1, null, [0f, 1f])]);
        index.BuildBinaryCodes(2);

        Assert.Contains("has 2", Assert.Throws<ArgumentException>(() => index.Search([1f, 0f, 0f], s_model, 1)).Message);
        Assert.Contains("has 2", Assert.Throws<ArgumentException>(() => index.SearchBinary([1f, 0f, 0f], s_model, 1, 2)).Message);
        Assert.Equal("/p/b.jpg", index.SearchBinary([0f, 1f], s_model, 1, 2)[0].Path);
    }
}
