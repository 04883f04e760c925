using AgentRetrieval.Indexing;

namespace AgentRetrieval.Tests.Indexing;

public sealed class FolderIndexerTests
{
    private static (FolderIndexer Indexer, EmbeddedImageIndex Index, FakeImageEmbeddingGenerator Encoder) Create(TempDirectory dir, int batchSize = 2, long maxPixels = 100_000_000)
    {
        var encoder = new FakeImageEmbeddingGenerator();
        EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir.Combine("index"));
        var indexer = new FolderIndexer(encoder, encoder.Identity, index, new IndexingOptions { BatchSize = batchSize, MaxPixels = maxPixels });
        return (indexer, index, encoder);
    }

    [Fact]
    public async Task IndexAsync_GoodAndBadFiles_IndexesEveryGoodOneAndReportsEveryBadOne()
    {
        using var dir = new TempDirectory();
        string photos = dir.Combine("photos");
        Directory.CreateDirectory(Path.Combine(photos, "nested", "deeper"));
        File.WriteAllBytes(Path.Combine(photos, "a.png"), TestImages.Png(20, 10, 1));
        File.WriteAllBytes(Path.Combine(photos, "nested", "b.jpg"), TestImages.Jpeg(30, 30, 2));
        File.WriteAllBytes(Path.Combine(photos, "nested", "deeper", "c.PNG"), TestImages.Png(8, 8, 3));
        File.WriteAllBytes(Path.Combine(photos, "zero.jpg"), []);
        byte[] jpeg = TestImages.Jpeg(64, 64, 4);
        File.WriteAllBytes(Path.Combine(photos, "truncated.jpg"), jpeg[..(jpeg.Length / 2)]);
        File.WriteAllText(Path.Combine(photos, "notes.jpg"), "not an image at all");
        byte[] corrupt = TestImages.Png(16, 16, 5);
        Array.Fill(corrupt, (byte)0xAB, 40, corrupt.Length - 60);
        File.WriteAllBytes(Path.Combine(photos, "corrupt.png"), corrupt);
        File.WriteAllBytes(Path.Combine(photos, "bomb.png"), TestImages.BombPng(50_000, 50_000));
        File.CreateSymbolicLink(Path.Combine(photos, "nested", "loop"), photos);
        File.CreateSymbolicLink(Path.Combine(photos, "dangling.jpg"), dir.Combine("missing.jpg"));
        File.WriteAllText(Path.Combine(photos, "readme.txt"), "ignored: not an image extension");
        (FolderIndexer indexer, EmbeddedImageIndex index, _) = Create(dir);
        using (index)
        {
            IndexReport report = await indexer.IndexAsync(photos, cancellationToken: TestContext.Current.CancellationToken);

            Assert.Equal(3, report.Embedded);
            Assert.Equal(3, index.Count);
            var reasons = report.Skipped.ToDictionary(s => Path.GetFileName(s.Path), s => s.Reason);
            Assert.Contains("0 bytes", reasons["zero.jpg"]);
            Assert.Contains("truncated", reasons["truncated.jpg"]);
            Assert.Contains("Not an image", reasons["notes.jpg"]);
            Assert.True(reasons.ContainsKey("corrupt.png"), string.Join("; ", reasons));
            Assert.Contains("megapixels", reasons["bomb.png"]);
            Assert.Contains("symlink loop", reasons["loop"]);
            Assert.Contains("unreadable", reasons["dangling.jpg"]);
            Assert.Equal(7, report.Skipped.Count);
        }
    }

    [Fact]
    public async Task IndexAsync_SecondRunAndMovedFiles_EmbedNothingNew()
    {
        using var dir = new TempDirectory();
        string photos = dir.Combine("photos");
        Directory.CreateDirectory(photos);
        for (byte i = 0; i < 5; i++)
        {
            File.WriteAllBytes(Path.Combine(photos, $"p{i}.png"), TestImages.Png(10, 10, i));
        }

        (FolderIndexer indexer, EmbeddedImageIndex index, FakeImageEmbeddingGenerator encoder) = Create(dir);
        using (index)
        {
            await indexer.IndexAsync(photos, cancellationToken: TestContext.Current.CancellationToken);
            int embeddedFirst = encoder.ImagesEmbedded;

            IndexReport again = await indexer.IndexAsync(photos, cancellationToken: TestContext.Current.CancellationToken);
            Directory.CreateDirectory(Path.Combine(photos, "moved"));
            File.Move(Path.Combine(photos, "p0.png"), Path.Combine(photos, "moved", "renamed.png"));
            File.Delete(Path.Combine(photos, "p1.png"));
            IndexReport afterMove = await indexer.IndexAsync(photos, cancellationToken: TestContext.Current.CancellationToken);

            Assert.Equal(5, embeddedFirst);
            Assert.Equal(5, again.Unchanged);
            Assert.Equal(0, again.Embedded);
            Assert.Equal(0, afterMove.Embedded);
            Assert.Equal(1, afterMove.Reused);
            Assert.Equal(2, afterMove.Removed);
            Assert.Equal(5, encoder.ImagesEmbedded);
            Assert.Equal(4, index.Count);
            Assert.Equal(4, index.FileCount);
        }
    }

    [Fact]
    public async Task IndexAsync_CancelledMidRun_KeepsCommittedBatchesAndResumes()
    {
        using var dir = new TempDirectory();
        string photos = dir.Combine("photos");
        Directory.CreateDirectory(photos);
        for (byte i = 0; i < 9; i++)
        {
            File.WriteAllBytes(Path.Combine(photos, $"p{i}.png"), TestImages.Png(10, 10, i));
        }

        (FolderIndexer indexer, EmbeddedImageIndex index, FakeImageEmbeddingGenerator encoder) = Create(dir, batchSize: 2);
        using (index)
        {
            using var cts = new CancellationTokenSource();
            encoder.BeforeBatch = call =>
            {
                if (call == 3)
                {
                    cts.Cancel();
                    cts.Token.ThrowIfCancellationRequested();
                }

                return Task.CompletedTask;
            };
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => indexer.IndexAsync(photos, cancellationToken: cts.Token));
            Assert.Equal(4, index.Count);

            encoder.BeforeBatch = null;
            IndexReport resumed = await indexer.IndexAsync(photos, cancellationToken: TestContext.Current.CancellationToken);

            Assert.Equal(4, resumed.Unchanged);
            Assert.Equal(5, resumed.Embedded);
            Assert.Equal(9, index.Count);
        }
    }

    [Fact]
    public async Task IndexAsync_IdenticalCopies_EmbedsContentOnce()
    {
        using var dir = new TempDirectory();
        string photos = dir.Combine("photos");
        Directory.CreateDirectory(photos);
        byte[] png = TestImages.Png(10, 10, 9);
        File.WriteAllBytes(Path.Combine(photos, "a.png"), png);
        File.WriteAllBytes(Path.Combine(photos, "b.png"), png);
        (FolderIndexer indexer, EmbeddedImageIndex index, FakeImageEmbeddingGenerator encoder) = Create(dir, batchSize: 8);
        using (index)
        {
            IndexReport report = await indexer.IndexAsync(photos, cancellationToken: TestContext.Current.CancellationToken);

            Assert.Equal(1, report.Embedded);
            Assert.Equal(1, report.Reused);
            Assert.Equal(1, index.Count);
            Assert.Equal(2, index.FileCount);
        }
    }

    [Fact]
    public async Task IndexAsync_CopyOfContentThatFailsToEmbed_ReportedNotCommitted()
    {
        using var dir = new TempDirectory();
        string photos = dir.Combine("photos");
        Directory.CreateDirectory(photos);
        // The header is valid (so both pass the pre-check) but the pixel data is corrupt: the encoder fails on it.
        byte[] png = TestImages.Png(16, 16, 5);
        Array.Fill(png, (byte)0xAB, 40, png.Length - 60);
        File.WriteAllBytes(Path.Combine(photos, "a.png"), png);
        File.WriteAllBytes(Path.Combine(photos, "b-copy.png"), png);
        File.WriteAllBytes(Path.Combine(photos, "good.png"), TestImages.Png(8, 8, 1));
        (FolderIndexer indexer, EmbeddedImageIndex index, _) = Create(dir, batchSize: 8);
        using (index)
        {
            IndexReport report = await indexer.IndexAsync(photos, cancellationToken: TestContext.Current.CancellationToken);

            Assert.Equal(1, report.Embedded);
            Assert.Equal(0, report.Reused);
            Assert.Equal(2, report.Skipped.Count);
            Assert.Contains(report.Skipped, s => s.Reason.Contains("same content", StringComparison.Ordinal));
            Assert.Equal(1, index.FileCount);
        }
    }
}
