using AgentRetrieval.Embeddings;
using AgentRetrieval.Indexing;

namespace AgentRetrieval.Tests.Indexing;

public sealed class LibraryOverviewTests
{
    private const int Dims = 8;
    private static readonly ModelIdentity s_model = new("m", Dims, "f00d", new Dictionary<string, string>());

    [Fact]
    public void Build_FoldersOfTheLibraryAndOfAScope_CountedPerPhotoMostFirstAndFollowNewPhotos()
    {
        using var dir = new TempDirectory();
        using EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir.Path);
        index.BindModel(s_model);
        // /lib/b: 3 photos, /lib/a: 3 (ties by name: a first), /lib/a/deep: 1, /lib/c: 1; the content of h9 is also in
        // /lib/z, but a photo counts once, in the folder of its first path (/lib/a).
        string[] paths = ["/lib/b/1.jpg", "/lib/b/2.jpg", "/lib/b/3.jpg", "/lib/a/1.jpg", "/lib/a/2.jpg", "/lib/a/deep/1.jpg", "/lib/c/1.jpg", "/lib/a/9.jpg", "/lib/z/9.jpg"];
        string[] hashes = ["h1", "h2", "h3", "h4", "h5", "h6", "h7", "h9", "h9"];
        index.Commit([.. paths.Select((p, i) => new IndexedFile(p, hashes[i], 1, 1, null, Unit(i)))]);

        LibraryOverview all = LibraryOverview.Build(index);

        Assert.Equal(8, all.Photos);
        Assert.Equal([("/lib/a", 3), ("/lib/b", 3), ("/lib/a/deep", 1), ("/lib/c", 1)], all.Folders);

        LibraryOverview scoped = LibraryOverview.Build(index, ["/lib/b", "/lib/c"]);
        Assert.Equal(4, scoped.Photos);
        Assert.Equal([("/lib/b", 3), ("/lib/c", 1)], scoped.Folders);
        Assert.Equal([("/lib/b", 3)], index.Folders(index.Match(new CatalogFilter(null, null, null, null, ["/lib/b"])), 8));
        Assert.Equal([("/lib/a", 3)], index.Folders(null, 1));

        // A new photo makes a new snapshot, whose counts include it.
        index.Commit([new IndexedFile("/lib/c/2.jpg", "h10", 1, 1, null, Unit(10)), new IndexedFile("/lib/c/3.jpg", "h11", 1, 1, null, Unit(11)), new IndexedFile("/lib/c/4.jpg", "h12", 1, 1, null, Unit(12))]);
        Assert.Equal([("/lib/c", 4), ("/lib/a", 3), ("/lib/b", 3), ("/lib/a/deep", 1)], LibraryOverview.Build(index).Folders);
    }

    [Theory]
    [InlineData(true, 0, 12)]
    [InlineData(false, 0, 1)]
    [InlineData(true, 7, 10)]
    [InlineData(false, 40, 20)]
    [InlineData(true, 590, 20)] // deep in the list: sorted in full
    public void ListByDate_ManyMatches_FirstPageSameAsSortingEveryMatch(bool newestFirst, int offset, int count)
    {
        // 600 photos: dates drawn from 200 days (many ties, broken by id), every tenth undated (listed last).
        using var dir = new TempDirectory();
        using EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir.Path);
        index.BindModel(s_model);
        var random = new Random(4);
        DateTime?[] taken = [.. Enumerable.Range(0, 600).Select(i => i % 10 == 3 ? (DateTime?)null : new DateTime(2020, 1, 1).AddDays(random.Next(200)))];
        index.Commit([.. taken.Select((t, i) => new IndexedFile($"/lib/{i:D3}.jpg", $"h{i}", 1, 1, null, Unit(i),
            new AgentRetrieval.Metadata.PhotoMetadata(t, null, null, null, null, null, 1)))]);
        long IdOf(int i) => index.GetIdByPath($"/lib/{i:D3}.jpg")!.Value;
        string[] expected = [.. Enumerable.Range(0, 600)
            .OrderBy(i => taken[i] is null ? 1 : 0)
            .ThenBy(i => taken[i] is DateTime t ? (newestFirst ? -t.Ticks : t.Ticks) : 0)
            .ThenBy(IdOf)
            .Skip(offset).Take(count).Select(i => $"/lib/{i:D3}.jpg")];

        (IReadOnlyList<ImageHit> page, int total) = index.ListByDate(new CatalogFilter(null, null, null, null, []), newestFirst, offset, count);

        Assert.Equal(600, total);
        Assert.Equal(expected, page.Select(h => h.Path));
    }

    private static float[] Unit(int seed)
    {
        var random = new Random(seed);
        float[] v = [.. Enumerable.Range(0, Dims).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        float norm = MathF.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }
}
