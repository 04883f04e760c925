using AgentRetrieval.Indexing;
using AgentRetrieval.Metadata;
using AgentRetrieval.Planning;
using AgentRetrieval.Search;
using Microsoft.Data.Sqlite;

namespace AgentRetrieval.Tests.Indexing;

public sealed class CatalogMetadataTests
{
    private static readonly Lazy<Gazetteer> s_gazetteer = new(() => Gazetteer.Load(SharedFixtures.RequireRegistryData("gazetteer/cities.pbf")));

    private static async Task<(EmbeddedImageIndex Index, FakeImageEmbeddingGenerator Encoder, string Photos)> IndexLibraryAsync(TempDirectory dir)
    {
        string photos = dir.Combine("photos");
        Directory.CreateDirectory(Path.Combine(photos, "Holidays"));
        File.WriteAllBytes(Path.Combine(photos, "lisbon.jpg"), TestImages.JpegWithExif(1, "2019:03:05 14:30:00", "NIKON CORPORATION", "NIKON D750", 38.7223, -9.1393, "+00:00"));
        File.WriteAllBytes(Path.Combine(photos, "tokyo.jpg"), TestImages.JpegWithExif(2, "2019:07:20 21:00:00", "Apple", "iPhone 12", 35.6762, 139.6503));
        File.WriteAllBytes(Path.Combine(photos, "Holidays", "sydney.jpg"), TestImages.JpegWithExif(3, "2021:08:01 10:00:00", "Apple", "iPhone 12", -33.8688, 151.2093));
        File.WriteAllBytes(Path.Combine(photos, "Holidays", "xmas.jpg"), TestImages.JpegWithExif(4, null, "Canon", "Canon EOS 5D Mark IV", createDate: "2021:12:25 09:00:00"));
        File.WriteAllBytes(Path.Combine(photos, "nodate.jpg"), TestImages.Jpeg(40, 40, 5));
        // File times deliberately unrelated to when the photos were taken.
        foreach (string f in Directory.GetFiles(photos, "*.jpg", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(f, new DateTime(2019, 3, 5, 12, 0, 0, DateTimeKind.Utc));
        }

        var encoder = new FakeImageEmbeddingGenerator();
        EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir.Combine("index"));
        await new FolderIndexer(encoder, encoder.Identity, index, new IndexingOptions(), gazetteer: s_gazetteer.Value).IndexAsync(photos, cancellationToken: TestContext.Current.CancellationToken);
        return (index, encoder, photos);
    }

    private static string[] Names(EmbeddedImageIndex index, IReadOnlySet<long>? ids) =>
        [.. (ids ?? throw new InvalidOperationException("no filter")).Select(id => Path.GetFileName(index.GetEntry(id)!.Paths[0])).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task IndexAsync_PhotosWithExif_StoresDateCameraAndPlaceNeverTheFileTime()
    {
        using var dir = new TempDirectory();
        (EmbeddedImageIndex index, _, _) = await IndexLibraryAsync(dir);
        using (index)
        {
            CatalogEntry lisbon = index.GetEntry(index.GetIdByPath(Path.Combine(dir.Combine("photos"), "lisbon.jpg"))!.Value)!;
            Assert.Equal(new DateTime(2019, 3, 5, 14, 30, 0), lisbon.Metadata!.TakenAt);
            Assert.Equal(TimeSpan.Zero, lisbon.Metadata.TakenOffset);
            Assert.Equal("NIKON D750", lisbon.Metadata.Camera);
            Assert.Equal("Lisbon", lisbon.Place!.City);
            Assert.Equal("Portugal", lisbon.Place.Country);
            Assert.Equal(38.7223, lisbon.Metadata.Latitude!.Value, 3);

            CatalogEntry xmas = index.GetEntry(index.GetIdByPath(Path.Combine(dir.Combine("photos"), "Holidays", "xmas.jpg"))!.Value)!;
            Assert.Equal(new DateTime(2021, 12, 25, 9, 0, 0), xmas.Metadata!.TakenAt); // CreateDate when there is no DateTimeOriginal
            Assert.Null(xmas.Place);

            CatalogEntry nodate = index.GetEntry(index.GetIdByPath(Path.Combine(dir.Combine("photos"), "nodate.jpg"))!.Value)!;
            Assert.Null(nodate.Metadata!.TakenAt); // the file's modification time is never a "taken" date
        }
    }

    [Fact]
    public async Task Match_PlanFilters_SelectExactlyTheMatchingPhotos()
    {
        using var dir = new TempDirectory();
        (EmbeddedImageIndex index, FakeImageEmbeddingGenerator encoder, _) = await IndexLibraryAsync(dir);
        using (index)
        {
            var searcher = new HybridSearcher(index, encoder.Identity, s_gazetteer.Value, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero)));
            IReadOnlySet<long>? Ids(string request) => index.Match(CatalogFilter.From(searcher.Plan(request)));

            Assert.Equal(["lisbon.jpg", "tokyo.jpg"], Names(index, Ids("photos from 2019")));
            Assert.Equal(["sydney.jpg", "tokyo.jpg"], Names(index, Ids("taken with the iPhone")));
            Assert.Equal(["tokyo.jpg"], Names(index, Ids("photos in Tokyo")));
            Assert.Equal(["lisbon.jpg"], Names(index, Ids("photos from Portugal in March 2019")));
            Assert.Equal(["xmas.jpg"], Names(index, Ids("christmas 2021")));
            Assert.Equal(["sydney.jpg", "xmas.jpg"], Names(index, Ids("photos in my Holidays folder")));
            // Winter 2021 in Sydney is June to August (the southern hemisphere's months); a photo without a position
            // takes the northern months, December 2021 to February 2022.
            Assert.Equal(["sydney.jpg", "xmas.jpg"], Names(index, Ids("winter 2021")));
            Assert.Equal(["tokyo.jpg"], Names(index, Ids("summer 2019")));
            Assert.Empty(index.Match(CatalogFilter.From(searcher.Plan("photos in Japan from 2020")))!);
        }
    }

    [Fact]
    public async Task Search_FilterOnlyRequest_ListsEveryMatchByDatePaged()
    {
        using var dir = new TempDirectory();
        (EmbeddedImageIndex index, FakeImageEmbeddingGenerator encoder, _) = await IndexLibraryAsync(dir);
        using (index)
        {
            var searcher = new HybridSearcher(index, encoder.Identity, s_gazetteer.Value);
            SearchPlan plan = searcher.Plan("photos from 2019");
            HybridSearchResult first = searcher.Search(plan, [], null, top: 1);
            HybridSearchResult second = searcher.Search(plan, [], null, top: 1, offset: 1);
            Assert.Equal(2, first.TotalMatches);
            Assert.Equal("tokyo.jpg", Path.GetFileName(first.Hits.Single().Path)); // newest first
            Assert.Equal("lisbon.jpg", Path.GetFileName(second.Hits.Single().Path));

            HybridSearchResult none = searcher.Search(searcher.Plan("photos taken with a Sony"), [], null, top: 10);
            Assert.True(none.FiltersMatchedNothing);
            Assert.Empty(none.Hits);
        }
    }

    [Fact]
    public async Task Open_Version1Catalogue_UpgradedInPlaceAndRerunFillsMetadataWithoutEmbedding()
    {
        using var dir = new TempDirectory();
        string photos = dir.Combine("photos");
        Directory.CreateDirectory(photos);
        string photo = Path.Combine(photos, "old.jpg");
        byte[] data = TestImages.JpegWithExif(9, "2018:06:01 08:00:00", "FUJIFILM", "X-T3");
        File.WriteAllBytes(photo, data);
        var encoder = new FakeImageEmbeddingGenerator();
        string indexDir = dir.Combine("index");
        Directory.CreateDirectory(indexDir);
        string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data));
        float[] vector = FakeImageEmbeddingGenerator.VectorOf(data, encoder.Identity.Dimensions);
        using (var c = new SqliteConnection($"Data Source={Path.Combine(indexDir, "catalog.db")};Pooling=False"))
        {
            // The schema and rows the previous version wrote.
            c.Open();
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE images (id INTEGER PRIMARY KEY AUTOINCREMENT, hash TEXT NOT NULL UNIQUE, width INTEGER NOT NULL, height INTEGER NOT NULL, format TEXT NOT NULL, taken_at TEXT, vector BLOB NOT NULL);
                CREATE TABLE files (path TEXT PRIMARY KEY, hash TEXT NOT NULL REFERENCES images(hash), size INTEGER NOT NULL, mtime INTEGER NOT NULL);
                CREATE INDEX files_hash ON files(hash);
                CREATE TABLE captions (hash TEXT PRIMARY KEY, caption TEXT NOT NULL);
                INSERT INTO meta VALUES ('schema_version', '1'), ('model_name', 'fake'), ('model_fingerprint', 'fa4e'), ('model_dimensions', '8'), ('model_files', '');
                INSERT INTO images (hash, width, height, format, taken_at, vector) VALUES ($h, 48, 32, 'JPEG', NULL, $v);
                INSERT INTO files VALUES ($p, $h, $s, $m);
                INSERT INTO captions VALUES ($h, 'an old caption');
                """;
            cmd.Parameters.AddWithValue("$h", hash);
            cmd.Parameters.AddWithValue("$v", System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan()).ToArray());
            cmd.Parameters.AddWithValue("$p", photo);
            cmd.Parameters.AddWithValue("$s", data.LongLength);
            cmd.Parameters.AddWithValue("$m", new FileInfo(photo).LastWriteTimeUtc.Ticks);
            cmd.ExecuteNonQuery();
        }

        using EmbeddedImageIndex index = EmbeddedImageIndex.Open(indexDir);
        Assert.Equal(1, index.Count);
        long id = index.GetIdByPath(photo)!.Value;
        Assert.Equal("an old caption", index.GetCaption(id));
        Assert.Null(index.GetEntry(id)!.Metadata);
        Assert.Single(index.TextSearch("old", false, null, 10)); // names indexed by the upgrade

        IndexReport report = await new FolderIndexer(encoder, encoder.Identity, index, new IndexingOptions()).IndexAsync(photos, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(0, report.Embedded);
        Assert.Equal(0, encoder.ImagesEmbedded);
        Assert.Equal(new DateTime(2018, 6, 1, 8, 0, 0), index.GetEntry(id)!.Metadata!.TakenAt);
        Assert.Equal("FUJIFILM X-T3", index.GetEntry(id)!.Metadata!.Camera);
        // The version-1 vector moved out of the catalogue into the float16 vector file, nothing re-embedded.
        Assert.Equal(vector, index.GetVector(id)!, (a, b) => Math.Abs(a - b) < 1e-3f);
    }
}
