using System.Numerics.Tensors;
using AgentRetrieval.Embeddings;
using AgentRetrieval.Indexing;
using AgentRetrieval.Indexing.Vectors;
using Microsoft.Data.Sqlite;

namespace AgentRetrieval.Tests.Indexing.Vectors;

public sealed class VectorFilesTests
{
    private const int Dims = 32;
    private static readonly ModelIdentity s_model = new("m", Dims, "f00d", new Dictionary<string, string>());

    [Fact]
    public void Open_TornTailAndUncommittedBatch_CutOffAndIndexStaysComplete()
    {
        using var dir = new TempDirectory();
        float[][] vectors = Clustered(60, seed: 1);
        using (EmbeddedImageIndex index = Build(dir.Path, vectors, batch: 20))
        {
            Assert.Equal(60, index.Count);
        }

        // A crash mid-batch: a whole uncommitted row in every column file, then half a row (a torn write).
        var lengths = new Dictionary<string, long>();
        foreach (string f in Directory.GetFiles(dir.Path, "vectors-*"))
        {
            lengths[f] = new FileInfo(f).Length;
            using var s = new FileStream(f, FileMode.Append);
            s.Write(new byte[f.EndsWith(".f16", StringComparison.Ordinal) ? (Dims * 2) + 13 : 11]);
        }

        using (EmbeddedImageIndex reopened = EmbeddedImageIndex.Open(dir.Path))
        {
            foreach ((string f, long length) in lengths)
            {
                Assert.Equal(length, new FileInfo(f).Length);
            }

            Assert.Contains(reopened.Notes, n => n.Contains("cut off", StringComparison.Ordinal));
            Assert.Equal(60, reopened.Count);
            AssertSameAsExact(reopened, vectors, vectors[7], top: 5);
            reopened.Commit([File(60, Unit(Dims, 99))]);
            Assert.Equal(61, reopened.Count);
        }

        using EmbeddedImageIndex again = EmbeddedImageIndex.Open(dir.Path);
        Assert.Equal(61, again.Count);
        Assert.Empty(again.Verify().InvalidVectors);
    }

    [Fact]
    public void Open_DeadMarkLostInCrash_ReconciledWithCatalogue()
    {
        using var dir = new TempDirectory();
        float[][] vectors = Clustered(40, seed: 2);
        string idsFile;
        byte[] before;
        using (EmbeddedImageIndex index = Build(dir.Path, vectors, batch: 40))
        {
            idsFile = index.Files!.IdsPath;
            before = System.IO.File.ReadAllBytes(idsFile);
            Assert.Equal(1, index.RemoveFiles(["/p/3.jpg"]));
            Assert.Equal(39, index.Count);
        }

        // The catalogue committed the removal but the process died before marking the row dead.
        System.IO.File.WriteAllBytes(idsFile, before);

        using EmbeddedImageIndex reopened = EmbeddedImageIndex.Open(dir.Path);
        Assert.Contains(reopened.Notes, n => n.Contains("Reconciling", StringComparison.Ordinal));
        Assert.Equal(39, reopened.Count);
        Assert.DoesNotContain(reopened.Search(vectors[3], s_model, 5), h => h.Path == "/p/3.jpg");
        Assert.Empty(reopened.Verify().InvalidVectors);
    }

    [Fact]
    public void Open_VectorFileLostRows_ImagesWithoutVectorsAreEmbeddedAgain()
    {
        using var dir = new TempDirectory();
        float[][] vectors = Clustered(30, seed: 3);
        string f16;
        using (EmbeddedImageIndex index = Build(dir.Path, vectors, batch: 10))
        {
            f16 = index.Files!.VectorsPath;
        }

        // A disk that lost the end of a file the catalogue says is durable.
        using (var s = new FileStream(f16, FileMode.Open))
        {
            s.SetLength(32 + (25 * Dims * 2));
        }

        using EmbeddedImageIndex reopened = EmbeddedImageIndex.Open(dir.Path);
        Assert.Equal(25, reopened.Count);
        Assert.Equal(25, reopened.FileCount); // the five files without a vector are new work for the next index run
        Assert.Empty(reopened.Verify().InvalidVectors);
    }

    [Fact]
    public void Open_Version2CatalogueWithVectorsInside_MovedToFilesSameResults()
    {
        using var dir = new TempDirectory();
        float[][] vectors = Clustered(50, seed: 4);
        using (var c = new SqliteConnection($"Data Source={Path.Combine(dir.Path, "catalog.db")};Pooling=False"))
        {
            c.Open();
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE images (id INTEGER PRIMARY KEY AUTOINCREMENT, hash TEXT NOT NULL UNIQUE, width INTEGER NOT NULL, height INTEGER NOT NULL, format TEXT NOT NULL, taken_at TEXT, vector BLOB NOT NULL);
                CREATE TABLE files (path TEXT PRIMARY KEY, hash TEXT NOT NULL REFERENCES images(hash), size INTEGER NOT NULL, mtime INTEGER NOT NULL);
                INSERT INTO meta VALUES ('schema_version', '2'), ('model_name', 'm'), ('model_fingerprint', 'f00d'), ('model_dimensions', '32'), ('model_files', '');
                """;
            cmd.ExecuteNonQuery();
            for (int i = 0; i < vectors.Length; i++)
            {
                using SqliteCommand ins = c.CreateCommand();
                ins.CommandText = "INSERT INTO images (hash, width, height, format, vector) VALUES ($h, 1, 1, 'JPEG', $v); INSERT INTO files VALUES ($p, $h, 1, 1);";
                ins.Parameters.AddWithValue("$h", $"h{i}");
                ins.Parameters.AddWithValue("$p", $"/p/{i}.jpg");
                // One damaged vector: it is not moved, and its file becomes new work, as before.
                ins.Parameters.AddWithValue("$v", i == 9 ? new byte[12] : System.Runtime.InteropServices.MemoryMarshal.AsBytes(vectors[i].AsSpan()).ToArray());
                ins.ExecuteNonQuery();
            }
        }

        using EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir.Path);
        Assert.Equal(49, index.Count);
        Assert.True(new FileInfo(index.Files!.VectorsPath).Length == 32 + (49 * Dims * 2));
        Assert.Contains(index.Notes, n => n.Contains("Moved 49 vectors", StringComparison.Ordinal));
        using (var c = new SqliteConnection($"Data Source={Path.Combine(dir.Path, "catalog.db")};Pooling=False"))
        {
            c.Open();
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = "SELECT SUM(length(vector)) FROM images";
            Assert.Equal(0L, cmd.ExecuteScalar());
        }

        AssertSameAsExact(index, [.. vectors.Where((_, i) => i != 9)], vectors[20], top: 10, skip: 9);
    }

    [Fact]
    public void Search_LargeIndex_ShortlistFromCodesAgreesWithExact()
    {
        using var dir = new TempDirectory();
        float[][] vectors = Clustered(3_000, seed: 5);
        using EmbeddedImageIndex index = Build(dir.Path, vectors, batch: 500);
        Assert.True(System.IO.File.Exists(index.Files!.CodesPath));
        Assert.Equal(32 + (3_000 * 8), new FileInfo(index.Files.CodesPath).Length); // codes once past 1,000 rows

        var random = new Random(6);
        int found = 0, wanted = 0;
        for (int q = 0; q < 20; q++)
        {
            float[] query = Noisy(vectors[random.Next(vectors.Length)], 0.3f, random);
            index.ShortlistThreshold = 1_000;
            var shortlisted = index.Search(query, s_model, 10).Select(h => h.Id).ToHashSet();
            Assert.Equal("shortlist", index.LastSearchMode);
            index.ShortlistThreshold = int.MaxValue;
            var exact = index.Search(query, s_model, 10).Select(h => h.Id).ToList();
            Assert.Equal("exact", index.LastSearchMode);
            found += exact.Count(shortlisted.Contains);
            wanted += exact.Count;
        }

        Assert.InRange(found / (double)wanted, 0.95, 1.0);

        // A filter that keeps half the images: the shortlist over the allowed rows; a selective one (a fifth): exact.
        var allowed = index.ListImages().Where((_, i) => i % 2 == 0).Select(x => x.Id).ToHashSet();
        var selective = index.ListImages().Where((_, i) => i % 5 == 0).Select(x => x.Id).ToHashSet();
        index.ShortlistThreshold = 100;
        _ = index.Search(vectors[0], s_model, 10, selective);
        Assert.Equal("exact", index.LastSearchMode);
        found = wanted = 0;
        for (int q = 0; q < 10; q++)
        {
            float[] query = Noisy(vectors[random.Next(vectors.Length)], 0.3f, random);
            index.ShortlistThreshold = 100;
            var shortlisted = index.Search(query, s_model, 10, allowed).Select(h => h.Id).ToList();
            Assert.Equal("shortlist", index.LastSearchMode);
            Assert.All(shortlisted, id => Assert.Contains(id, allowed));
            index.ShortlistThreshold = int.MaxValue;
            var exact = index.Search(query, s_model, 10, allowed).Select(h => h.Id).ToList();
            found += exact.Count(shortlisted.Contains);
            wanted += exact.Count;
        }

        Assert.InRange(found / (double)wanted, 0.95, 1.0);
    }

    [Fact]
    public void Search_WideCodesWithDeadRows_PrefixColumnShortlistAgreesWithExactAndWarmUpChangesNothing()
    {
        // 256 dimensions: four code words, so the first stage reads the contiguous two-word prefix column, built per
        // snapshot in its row order; dead rows make that order differ from the files'.
        using var dir = new TempDirectory();
        var model = new ModelIdentity("wide", 256, "beef", new Dictionary<string, string>());
        float[][] vectors = Clustered(3_000, seed: 9, dims: 256);
        using EmbeddedImageIndex index = Build(dir.Path, vectors, batch: 600, model);
        index.RemoveFiles(Enumerable.Range(0, 300).Select(i => $"/p/{i * 7}.jpg"));
        var random = new Random(10);
        float[][] queries = [.. Enumerable.Range(0, 20).Select(_ => Noisy(vectors[random.Next(vectors.Length)], 0.3f, random))];

        index.ShortlistThreshold = int.MaxValue;
        List<(long, float)>[] exactBefore = [.. queries.Select(q => index.Search(q, model, 10).Select(h => (h.Id, h.Score)).ToList())];
        long someId = index.ListImages()[123].Id;
        float[] vectorBefore = index.GetVector(someId)!;
        index.ShortlistThreshold = 1_000;
        List<long>[] before = [.. queries.Select(q => index.Search(q, model, 10).Select(h => h.Id).ToList())];
        Assert.Equal("shortlist", index.LastSearchMode);

        // Warm-up builds the code columns and copies the rows into huge pages: the same results, the same scores.
        Assert.Equal(OperatingSystem.IsLinux(), index.WarmUp());
        List<long>[] after = [.. queries.Select(q => index.Search(q, model, 10).Select(h => h.Id).ToList())];
        index.ShortlistThreshold = int.MaxValue;
        List<(long, float)>[] exactAfter = [.. queries.Select(q => index.Search(q, model, 10).Select(h => (h.Id, h.Score)).ToList())];
        List<long>[] exact = [.. exactAfter.Select(e => e.Select(x => x.Item1).ToList())];

        Assert.Equal(before, after);
        Assert.Equal(exactBefore, exactAfter);
        Assert.Equal(vectorBefore, index.GetVector(someId)!);
        int found = exact.Zip(before, (e, b) => e.Count(b.Contains)).Sum();
        Assert.InRange(found / (double)exact.Sum(e => e.Count), 0.95, 1.0);
        Assert.All(before, ids => Assert.DoesNotContain(ids, id => index.ListImages().All(x => x.Id != id)));
    }

    [Fact]
    public async Task WarmUp_PhotosAddedAfterwards_NewSnapshotWarmedOnceTheIndexIsStill()
    {
        using var dir = new TempDirectory();
        float[][] vectors = Clustered(1_500, seed: 12);
        using EmbeddedImageIndex index = Build(dir.Path, vectors[..1_000], batch: 500);
        index.RewarmDelay = TimeSpan.FromMilliseconds(200);
        _ = index.WarmUp();
        Assert.True(index.IsWarm);

        for (int i = 1_000; i < 1_500; i += 250)
        {
            index.Commit([.. Enumerable.Range(i, 250).Select(j => File(j, vectors[j]))]);
        }

        Assert.False(index.IsWarm); // the commits replaced the warmed snapshot
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!index.IsWarm && waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.True(index.IsWarm, "the new snapshot was not warmed");
        Assert.Equal("/p/1400.jpg", index.Search(vectors[1_400], s_model, 1)[0].Path);
    }

    [Fact]
    public void Columns_ViewClosed_RefusedSoNoCopyOutlivesIt()
    {
        using var dir = new TempDirectory();
        using EmbeddedImageIndex index = Build(dir.Path, Clustered(1_200, seed: 13), batch: 600);
        int[] fileRows = [.. Enumerable.Range(0, 1_200)];
        VectorView view = index.Files!.Map(1_200, 1_200);
        Assert.Same(view.Columns(fileRows), view.Columns(fileRows));
        view.Dispose();

        Assert.Null(view.BuiltColumns(fileRows));
        Assert.Throws<ObjectDisposedException>(() => view.Columns(fileRows));
        Assert.Throws<ObjectDisposedException>(() => view.HalfColumns(fileRows));
    }

    [Fact]
    public void RemoveFiles_ManyRowsDead_CompactedToNextGenerationSameResults()
    {
        using var dir = new TempDirectory();
        float[][] vectors = Clustered(2_400, seed: 7);
        using EmbeddedImageIndex index = Build(dir.Path, vectors, batch: 800);
        int generation = index.Files!.Generation;
        index.RemoveFiles(Enumerable.Range(0, 1_100).Select(i => $"/p/{i}.jpg"));

        Assert.Equal(generation + 1, index.Files!.Generation);
        Assert.Single(Directory.GetFiles(dir.Path, "vectors-*.f16"));
        Assert.Equal(32 + (1_300 * Dims * 2), new FileInfo(index.Files.VectorsPath).Length);
        Assert.Equal(1_300, index.Count);
        using EmbeddedImageIndex reopened = EmbeddedImageIndex.Open(dir.Path);
        Assert.Equal(1_300, reopened.Count);
        Assert.Empty(reopened.Notes);
        IReadOnlyList<ImageHit> hits = reopened.Search(vectors[1_500], s_model, 3);
        Assert.Equal("/p/1500.jpg", hits[0].Path);
        Assert.DoesNotContain(reopened.Search(vectors[10], s_model, 5), h => h.Path == "/p/10.jpg");
    }

    [Fact]
    public void Commit_SameContentEmbeddedAgain_LastRowServedOldOneDead()
    {
        using var dir = new TempDirectory();
        using EmbeddedImageIndex index = Build(dir.Path, Clustered(5, seed: 8), batch: 5);
        float[] replacement = Unit(Dims, 77);
        index.Commit([new IndexedFile("/p/2.jpg", "h2", 1, 1, null, replacement)]);

        Assert.Equal(5, index.Count);
        Assert.Equal(replacement, index.GetVector(index.GetIdByPath("/p/2.jpg")!.Value)!, (a, b) => Math.Abs(a - b) < 1e-3f);
        using EmbeddedImageIndex reopened = EmbeddedImageIndex.Open(dir.Path);
        Assert.Equal(5, reopened.Count);
        Assert.Empty(reopened.Notes);
    }

    [Fact]
    public void Commit_TwoWritersOnOneFolder_NeitherOverwritesTheOther()
    {
        // Two handles on one index behave like two processes (a watcher in 'serve' and an 'index' run): each appends
        // where the catalogue says the files end, not where its own last commit left them.
        using var dir = new TempDirectory();
        float[][] vectors = Clustered(40, seed: 9);
        using EmbeddedImageIndex a = Build(dir.Path, vectors[..10], batch: 10);
        using EmbeddedImageIndex b = EmbeddedImageIndex.Open(dir.Path);
        Assert.Equal(10, b.Count);
        a.Commit([.. Enumerable.Range(10, 10).Select(i => File(i, vectors[i]))]);
        b.Commit([.. Enumerable.Range(20, 10).Select(i => File(i, vectors[i]))]);
        a.RemoveFiles(["/p/0.jpg"]);
        b.Commit([.. Enumerable.Range(30, 10).Select(i => File(i, vectors[i]))]);

        Assert.Equal(39, a.Count);
        Assert.Equal(39, b.Count);
        using EmbeddedImageIndex reopened = EmbeddedImageIndex.Open(dir.Path);
        Assert.Empty(reopened.Notes);
        Assert.Equal(39, reopened.Count);
        foreach (int i in (int[])[5, 15, 25, 35])
        {
            Assert.Equal($"/p/{i}.jpg", reopened.Search(vectors[i], s_model, 1)[0].Path);
        }
    }

    [Fact]
    public async Task IndexAsync_CommitFailsMidRun_StopsWithTheCommitsErrorInsteadOfWaiting()
    {
        // The vector file becomes unwritable (a folder in its place) after the run starts: the committer fails on the
        // first batch while the embedding loop has more batches to hand over.
        using var dir = new TempDirectory();
        string photos = dir.Combine("photos");
        Directory.CreateDirectory(photos);
        for (int i = 0; i < 12; i++)
        {
            System.IO.File.WriteAllBytes(Path.Combine(photos, $"{i}.jpg"), TestImages.Jpeg(24, 24, (byte)i));
        }

        var encoder = new FakeImageEmbeddingGenerator();
        using EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir.Combine("index"));
        index.BindModel(encoder.Identity);
        string f16 = index.Files!.VectorsPath;
        System.IO.File.Delete(f16);
        Directory.CreateDirectory(f16);

        Task<IndexReport> run = new FolderIndexer(encoder, encoder.Identity, index, new IndexingOptions { BatchSize = 1, DecodeThreads = 2 })
            .IndexAsync(photos, cancellationToken: TestContext.Current.CancellationToken);

        Exception ex = await Assert.ThrowsAnyAsync<Exception>(() => run.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken));
        Assert.IsNotType<TimeoutException>(ex);
        Assert.True(ex is IOException or UnauthorizedAccessException, ex.ToString());
    }

    [Fact]
    public void Commit_BatchWithABadVector_RefusedWithNothingWritten()
    {
        using var dir = new TempDirectory();
        float[][] vectors = Clustered(6, seed: 10);
        using EmbeddedImageIndex index = Build(dir.Path, vectors[..3], batch: 3);
        long f16 = new FileInfo(index.Files!.VectorsPath).Length;
        float[] notUnit = [.. vectors[4].Select(x => x * 3)];

        var ex = Assert.Throws<ArgumentException>(() => index.Commit([File(3, vectors[3]), File(4, notUnit), File(5, vectors[5])]));

        Assert.Contains("/p/4.jpg", ex.Message);
        Assert.Contains("length", ex.Message);
        Assert.Equal(f16, new FileInfo(index.Files.VectorsPath).Length);
        Assert.Equal(3, index.Count);
        Assert.Equal(3, index.FileCount);
        using EmbeddedImageIndex reopened = EmbeddedImageIndex.Open(dir.Path);
        Assert.Empty(reopened.Notes);
        Assert.Equal(3, reopened.Count);
    }

    private static EmbeddedImageIndex Build(string dir, float[][] vectors, int batch, ModelIdentity? model = null)
    {
        EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir);
        index.BindModel(model ?? s_model);
        foreach (int[] chunk in Enumerable.Range(0, vectors.Length).Chunk(batch))
        {
            index.Commit([.. chunk.Select(i => File(i, vectors[i]))]);
        }

        return index;
    }

    private static IndexedFile File(int i, float[] v) => new($"/p/{i}.jpg", $"h{i}", 1, 1, null, v);

    private static void AssertSameAsExact(EmbeddedImageIndex index, float[][] vectors, float[] query, int top, int skip = -1)
    {
        string[] expected = [.. vectors.Select((v, i) => (Score: TensorPrimitives.Dot(v, query), Path: $"/p/{(skip >= 0 && i >= skip ? i + 1 : i)}.jpg"))
            .OrderByDescending(x => x.Score).Take(top).Select(x => x.Path)];
        Assert.Equal(expected, index.Search(query, s_model, top).Select(h => h.Path));
    }

    /// <summary>Unit vectors around a few centres with a shared offset, as image embeddings are.</summary>
    private static float[][] Clustered(int n, int seed, int dims = Dims)
    {
        var random = new Random(seed);
        float[] offset = Unit(dims, seed + 1000);
        float[][] centres = [.. Enumerable.Range(0, 8).Select(c => Unit(dims, (seed * 31) + c))];
        return [.. Enumerable.Range(0, n).Select(i =>
        {
            float[] v = Noisy(centres[i % centres.Length], 0.6f, random);
            TensorPrimitives.Add(v, offset, v);
            TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
            return v;
        })];
    }

    private static float[] Noisy(float[] v, float amount, Random random)
    {
        float[] r = [.. v.Select(x => x + (amount * (float)((random.NextDouble() * 2) - 1)))];
        TensorPrimitives.Divide(r, TensorPrimitives.Norm(r), r);
        return r;
    }

    private static float[] Unit(int dims, int seed)
    {
        var random = new Random(seed);
        float[] v = [.. Enumerable.Range(0, dims).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
        return v;
    }
}
