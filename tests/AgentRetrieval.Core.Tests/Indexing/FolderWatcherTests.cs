using System.Collections.Concurrent;
using AgentRetrieval.Indexing;

namespace AgentRetrieval.Tests.Indexing;

/// <summary>The folder watcher on a real folder: bursts become one batch, moves and deletes are seen, polling works, a failing batch does not stop it.</summary>
public sealed class FolderWatcherTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static FolderWatcherOptions Fast(bool poll = false) => new()
    {
        Debounce = TimeSpan.FromMilliseconds(400),
        MaxDelay = TimeSpan.FromSeconds(5),
        PollInterval = TimeSpan.FromMilliseconds(500),
        ForcePolling = poll,
    };

    private static async Task<WatchBatch> NextAsync(BlockingCollection<WatchBatch> batches)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await Task.Run(() => batches.Take(cts.Token), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Watch_BurstOfCopies_OneBatchWithEveryPhoto()
    {
        var batches = new BlockingCollection<WatchBatch>();
        FolderWatcherOptions options = Fast();
        options.Debounce = TimeSpan.FromSeconds(1.5); // generous: the machine may be busy while the files are written
        await using var watcher = new FolderWatcher([_dir.Path], (b, ct) => { batches.Add(b, ct); return Task.CompletedTask; }, options);

        for (int i = 0; i < 200; i++)
        {
            File.WriteAllBytes(_dir.Combine($"p{i:000}.jpg"), TestImages.Jpeg(16, 16, (byte)i));
        }

        File.WriteAllText(_dir.Combine("notes.txt"), "not a photo");
        WatchBatch batch = await NextAsync(batches);

        Assert.Equal(_dir.Path, batch.Root);
        Assert.Equal(200, batch.ChangedPaths.Count(p => p.EndsWith(".jpg", StringComparison.Ordinal)));
        Assert.DoesNotContain(batch.ChangedPaths, p => p.EndsWith(".txt", StringComparison.Ordinal));
        Assert.False(batch.Rescan);
        await Task.Delay(2000, TestContext.Current.CancellationToken);
        Assert.Empty(batches); // the burst was one batch
        Assert.Empty(watcher.Polled);
    }

    [Fact]
    public async Task Watch_FolderCopiedIn_RescansTheRoot()
    {
        // Files written into a new folder before the system watches it are not notified: the new folder means a rescan.
        var batches = new BlockingCollection<WatchBatch>();
        await using var watcher = new FolderWatcher([_dir.Path], (b, ct) => { batches.Add(b, ct); return Task.CompletedTask; }, Fast());

        Directory.CreateDirectory(_dir.Combine("2024"));
        for (int i = 0; i < 20; i++)
        {
            File.WriteAllBytes(_dir.Combine("2024", $"p{i:00}.jpg"), TestImages.Jpeg(16, 16, (byte)i));
        }

        WatchBatch batch = await NextAsync(batches);

        Assert.True(batch.Rescan);
    }

    [Fact]
    public async Task Watch_MoveAndDelete_SeenAsChanges()
    {
        File.WriteAllBytes(_dir.Combine("a.jpg"), TestImages.Jpeg(16, 16, 1));
        File.WriteAllBytes(_dir.Combine("b.jpg"), TestImages.Jpeg(16, 16, 2));
        Directory.CreateDirectory(_dir.Combine("sub"));
        var batches = new BlockingCollection<WatchBatch>();
        await using var watcher = new FolderWatcher([_dir.Path], (b, ct) => { batches.Add(b, ct); return Task.CompletedTask; }, Fast());

        File.Move(_dir.Combine("a.jpg"), _dir.Combine("sub", "a.jpg"));
        File.Delete(_dir.Combine("b.jpg"));
        WatchBatch batch = await NextAsync(batches);

        Assert.Contains(_dir.Combine("a.jpg"), batch.ChangedPaths);
        Assert.Contains(_dir.Combine("sub", "a.jpg"), batch.ChangedPaths);
        Assert.Contains(_dir.Combine("b.jpg"), batch.ChangedPaths);
    }

    [Fact]
    public async Task Watch_Polling_RescansPeriodically()
    {
        var batches = new BlockingCollection<WatchBatch>();
        await using var watcher = new FolderWatcher([_dir.Path], (b, ct) => { batches.Add(b, ct); return Task.CompletedTask; }, Fast(poll: true));

        WatchBatch batch = await NextAsync(batches);

        Assert.Equal([_dir.Path], watcher.Polled);
        Assert.True(batch.Rescan);
    }

    [Fact]
    public async Task Watch_BatchFails_ReportedAndWatchingGoesOn()
    {
        var errors = new ConcurrentQueue<string>();
        var batches = new BlockingCollection<WatchBatch>();
        int calls = 0;
        await using var watcher = new FolderWatcher([_dir.Path], (b, ct) =>
        {
            batches.Add(b, ct);
            return Interlocked.Increment(ref calls) == 1 ? throw new IOException("disk full") : Task.CompletedTask;
        }, Fast(), errors.Enqueue);

        File.WriteAllBytes(_dir.Combine("one.png"), TestImages.Png(8, 8, 1));
        await NextAsync(batches);
        await Task.Delay(800, TestContext.Current.CancellationToken);
        File.WriteAllBytes(_dir.Combine("two.png"), TestImages.Png(8, 8, 2));
        WatchBatch second = await NextAsync(batches);

        Assert.Contains(errors, e => e.Contains("disk full", StringComparison.Ordinal));
        Assert.Contains(_dir.Combine("two.png"), second.ChangedPaths);
    }

    [Fact]
    public void Constructor_MissingFolder_ClearError()
    {
        var ex = Assert.Throws<DirectoryNotFoundException>(() => new FolderWatcher([_dir.Combine("nope")], (_, _) => Task.CompletedTask));
        Assert.Contains("does not exist", ex.Message);
    }
}
