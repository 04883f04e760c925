using System.Diagnostics;
using System.Security.Cryptography;
using AgentRetrieval.Embeddings;
using AgentRetrieval.Imaging;
using AgentRetrieval.Telemetry;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentRetrieval.Indexing;

/// <summary>
/// Indexes a folder tree incrementally: new and changed images are embedded, moved or renamed ones are recognised by
/// their content hash and not embedded again, deleted ones are removed. Work commits batch by batch, so a run that is
/// killed loses at most the batch in flight and the next run resumes. Bad files are reported and never stop a run.
/// </summary>
public sealed class FolderIndexer
{
    private readonly IEmbeddingGenerator<DataContent, Embedding<float>> _encoder;
    private readonly EmbeddedImageIndex _index;
    private readonly ModelIdentity _model;
    private readonly IndexingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Metadata.Gazetteer? _gazetteer;

    /// <summary>Creates the indexer.</summary>
    /// <param name="encoder">The image encoder.</param>
    /// <param name="model">The encoder's identity (recorded in the index).</param>
    /// <param name="index">The index to update.</param>
    /// <param name="options">Batch size and limits.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="logger">Receives a summary (Information) and each skipped file (Trace).</param>
    /// <param name="gazetteer">Names the places of photos with a GPS position (optional).</param>
    public FolderIndexer(IEmbeddingGenerator<DataContent, Embedding<float>> encoder, ModelIdentity model, EmbeddedImageIndex index,
        IndexingOptions options, TimeProvider? timeProvider = null, ILogger? logger = null, Metadata.Gazetteer? gazetteer = null)
    {
        _gazetteer = gazetteer;
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(options);
        _encoder = encoder;
        _model = model;
        _index = index;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Brings the index up to date with <paramref name="folder"/>.</summary>
    /// <param name="folder">The folder to index, recursively.</param>
    /// <param name="progress">Receives progress.</param>
    /// <param name="cancellationToken">Stops the run after the batch in flight is committed or dropped.</param>
    /// <returns>What was done.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="ModelIdentityMismatchException">The index was built with another model.</exception>
    public Task<IndexReport> IndexAsync(string folder, IProgress<IndexProgress>? progress = null, CancellationToken cancellationToken = default) =>
        IndexAsync(folder, null, progress, cancellationToken);

    /// <summary>
    /// Brings the index up to date with <paramref name="folder"/>, indexing only files whose real path (every symbolic
    /// link resolved) lies inside <paramref name="confineTo"/>: for requests that come through the page, the plugin or
    /// MCP, where a link inside an allowed folder must not expose files outside it.
    /// </summary>
    /// <param name="folder">The folder to index, recursively.</param>
    /// <param name="confineTo">The allowed folders, or null to follow links anywhere (the user's own CLI run).</param>
    /// <param name="progress">Receives progress.</param>
    /// <param name="cancellationToken">Stops the run after the batch in flight is committed or dropped.</param>
    /// <returns>What was done.</returns>
    public async Task<IndexReport> IndexAsync(string folder, IReadOnlyList<string>? confineTo, IProgress<IndexProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        // One indexing run at a time per index (the page, a folder watcher and a tool call may each start one): a file
        // new to both would otherwise be embedded twice.
        await _index.IndexingGate.WaitAsync(cancellationToken);
        try
        {
            return await IndexCoreAsync(folder, confineTo, progress, cancellationToken);
        }
        finally
        {
            _index.IndexingGate.Release();
        }
    }

    private async Task<IndexReport> IndexCoreAsync(string folder, IReadOnlyList<string>? confineTo, IProgress<IndexProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"The folder '{folder}' does not exist.");
        }

        long started = _time.GetTimestamp();
        using Activity? activity = AgentTelemetry.Source.StartActivity("agentretrieval.index.vectors");
        activity?.SetTag("agentretrieval.index.folder", root);
        _index.BindModel(_model);
        // A damaged vector is never served; its files become new work and are embedded again.
        IReadOnlyList<string> reembed = _index.DropInvalidVectors();
        var skipped = new List<SkippedFile>();
        progress?.Report(new IndexProgress("scan", 0, 0, root));
        List<FileInfo> files = FileWalker.Walk(root, skipped, cancellationToken);
        if (confineTo is not null)
        {
            string[] roots = [.. confineTo.Select(r => Path.TrimEndingDirectorySeparator(Tools.PathGuard.RealPath(r)))];
            files = [.. files.Where(f =>
            {
                string real = Tools.PathGuard.RealPath(f.FullName);
                if (roots.Any(r => real.StartsWith(r + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
                {
                    return true;
                }

                skipped.Add(new SkippedFile(f.FullName, $"it leads (by a symbolic link) to '{real}', outside the allowed folders: not indexed"));
                return false;
            })];
        }
        Dictionary<string, (string Hash, long Size, long ModifiedTicks)> known = _index.GetFiles(root);

        var work = new List<FileInfo>();
        int unchanged = 0;
        foreach (FileInfo f in files)
        {
            if (known.TryGetValue(f.FullName, out var k) && k.Size == f.Length && k.ModifiedTicks == f.LastWriteTimeUtc.Ticks)
            {
                unchanged++;
            }
            else
            {
                work.Add(f);
            }
        }

        var failed = new List<string>();
        (int embedded, int reused) = await EmbedAndCommitAsync(work, skipped, failed, progress, cancellationToken);

        FillMetadata(progress, cancellationToken);
        progress?.Report(new IndexProgress("clean", 0, 0, null));
        var present = new HashSet<string>(files.Select(f => f.FullName), StringComparer.Ordinal);
        var gone = known.Keys.Where(p => !present.Contains(p)).Concat(failed.Where(known.ContainsKey)).Distinct(StringComparer.Ordinal).ToList();
        if (gone.Count > 0)
        {
            _index.RemoveFiles(gone);
        }

        foreach (string path in reembed.Where(p => !files.Any(f => f.FullName == p)))
        {
            skipped.Add(new SkippedFile(path, "its stored vector was damaged and the file is gone: removed from the index"));
        }

        TimeSpan elapsed = _time.GetElapsedTime(started);
        foreach (SkippedFile s in skipped)
        {
            _logger.FileSkipped(s.Path, s.Reason);
        }

        _logger.Indexed(root, embedded, reused, unchanged, gone.Count, skipped.Count, elapsed.TotalSeconds);
        AgentTelemetry.ImagesIndexed.Add(embedded);
        AgentTelemetry.ImagesSkipped.Add(skipped.Count, new KeyValuePair<string, object?>("pass", "vectors"));
        activity?.SetTag("agentretrieval.index.embedded", embedded);
        activity?.SetTag("agentretrieval.index.skipped", skipped.Count);
        return new IndexReport
        {
            Root = root,
            Found = files.Count,
            Unchanged = unchanged,
            Embedded = embedded,
            Reused = reused,
            Removed = gone.Count,
            Skipped = skipped,
            Elapsed = elapsed,
            IndexedImages = _index.Count,
        };
    }

    /// <summary>
    /// The pipeline: reader threads (<see cref="IndexingOptions.DecodeThreads"/>) read, hash, identify and, when the
    /// encoder allows it, decode and preprocess the files; this task embeds them batch by batch; a committer writes
    /// each batch to the index while the next one is embedded. Bounded queues between the stages give back-pressure.
    /// </summary>
    private async Task<(int Embedded, int Reused)> EmbedAndCommitAsync(List<FileInfo> work, List<SkippedFile> skipped, List<string> failed,
        IProgress<IndexProgress>? progress, CancellationToken cancellationToken)
    {
        int embedded = 0, reused = 0, done = 0;
        var pendingHashes = new HashSet<string>(StringComparer.Ordinal);
        progress?.Report(new IndexProgress("embed", 0, work.Count, null));
        if (work.Count == 0)
        {
            return (0, 0);
        }

        var preparation = _encoder.GetService(typeof(Embeddings.IImagePreparation)) as Embeddings.IImagePreparation;
        int readers = _options.DecodeThreads > 0 ? _options.DecodeThreads : Environment.ProcessorCount;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var prepared = System.Threading.Channels.Channel.CreateBounded<Prepared>(new System.Threading.Channels.BoundedChannelOptions(Math.Max(2 * _options.BatchSize, readers))
        {
            SingleReader = true,
        });
        var toCommit = System.Threading.Channels.Channel.CreateBounded<(List<IndexedFile> Files, int Count, string Last)>(new System.Threading.Channels.BoundedChannelOptions(1)
        {
            SingleReader = true,
            SingleWriter = true,
        });

        // Reader threads, in file order as far as the queue goes (order only decides which batch a file lands in).
        Task reading = Task.Run(async () =>
        {
            try
            {
                await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = readers, CancellationToken = stop.Token }, async (f, token) =>
                    await prepared.Writer.WriteAsync(Prepare(f, preparation), token));
            }
            finally
            {
                prepared.Writer.TryComplete();
            }
        }, stop.Token);

        // The committer: one batch at a time, in order, off the embedding path.
        Task committing = Task.Run(async () =>
        {
            try
            {
                await foreach ((List<IndexedFile> files, int count, string last) in toCommit.Reader.ReadAllAsync(CancellationToken.None))
                {
                    _index.Commit(files);
                    done += count;
                    progress?.Report(new IndexProgress("embed", done, work.Count, last));
                }
            }
            catch (Exception ex)
            {
                // A commit that fails (a full disk, a read-only index) stops the run with its own error: the embedding
                // loop must not wait on a queue nobody reads any more.
                toCommit.Writer.TryComplete(ex);
                await stop.CancelAsync();
                throw;
            }
        }, CancellationToken.None);

        try
        {
            var batch = new List<Prepared>(_options.BatchSize);
            await foreach (Prepared p in prepared.Reader.ReadAllAsync(stop.Token))
            {
                batch.Add(p);
                if (batch.Count == _options.BatchSize)
                {
                    (int e, int r) = await EmbedBatchAsync(batch, toCommit.Writer, skipped, failed, pendingHashes, stop.Token);
                    (embedded, reused) = (embedded + e, reused + r);
                    batch = new List<Prepared>(_options.BatchSize);
                }
            }

            if (batch.Count > 0)
            {
                (int e, int r) = await EmbedBatchAsync(batch, toCommit.Writer, skipped, failed, pendingHashes, stop.Token);
                (embedded, reused) = (embedded + e, reused + r);
            }

            await reading;
        }
        catch
        {
            await stop.CancelAsync();
            throw;
        }
        finally
        {
            // What was embedded is committed even when the run stops (the batch being embedded is dropped).
            toCommit.Writer.TryComplete();
            await committing;
            try
            {
                await reading;
            }
            catch (OperationCanceledException)
            {
            }
        }

        return (embedded, reused);
    }

    /// <summary>One file read, hashed, identified, its metadata read and its pixels prepared (on a reader thread).</summary>
    private Prepared Prepare(FileInfo f, Embeddings.IImagePreparation? preparation)
    {
        var skipped = new List<SkippedFile>(1);
        Candidate? c = Read(f, skipped);
        if (c is null)
        {
            return new Prepared(f, null, null, null, skipped[0], Known: false);
        }

        if (_index.ContainsHash(c.Hash))
        {
            return new Prepared(f, c, null, null, null, Known: true); // known content (a move or a copy): nothing to decode
        }

        Metadata.PhotoMetadata metadata = Metadata.PhotoMetadataReader.Read(c.Data);
        DataContent content = new(c.Data, "application/octet-stream") { Name = f.FullName };
        if (preparation is not null)
        {
            try
            {
                content = preparation.Prepare(content);
            }
            catch (InvalidImageException ex)
            {
                return new Prepared(f, c, metadata, null, new SkippedFile(f.FullName, Innermost(ex.Message)), Known: false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                return new Prepared(f, c, metadata, null, new SkippedFile(f.FullName, $"the image could not be decoded: {ex.GetType().Name}: {ex.Message}"), Known: false);
            }
        }

        return new Prepared(f, c, metadata, content, null, Known: false);
    }

    /// <summary>Embeds one batch and queues it for the committer.</summary>
    private async Task<(int Embedded, int Reused)> EmbedBatchAsync(List<Prepared> batch, System.Threading.Channels.ChannelWriter<(List<IndexedFile>, int, string)> toCommit,
        List<SkippedFile> skipped, List<string> failed, HashSet<string> pendingHashes, CancellationToken cancellationToken)
    {
        int embedded = 0, reused = 0;
        var ready = new List<IndexedFile>();
        var toEmbed = new List<(IndexedFile File, DataContent Content)>();
        foreach (Prepared p in batch)
        {
            if (p.Candidate is not { } c)
            {
                skipped.Add(p.Problem!);
                failed.Add(p.File.FullName);
                continue;
            }

            if (p.Known || pendingHashes.Contains(c.Hash))
            {
                ready.Add(new IndexedFile(p.File.FullName, c.Hash, c.Size, c.ModifiedTicks, c.Info, null));
                reused++;
                continue;
            }

            if (p.Problem is not null)
            {
                skipped.Add(p.Problem);
                failed.Add(p.File.FullName);
                continue;
            }

            pendingHashes.Add(c.Hash);
            toEmbed.Add((new IndexedFile(p.File.FullName, c.Hash, c.Size, c.ModifiedTicks, c.Info, null, p.Metadata, Geocode(p.Metadata!)), p.Content!));
        }

        foreach ((IndexedFile file, float[] vector) in await EmbedAsync(toEmbed, skipped, failed, pendingHashes, cancellationToken))
        {
            ready.Add(file with { Vector = vector });
            embedded++;
        }

        // Vectors first, so that copies of new content in the same batch refer to a committed image.
        ready.Sort((a, b) => (a.Vector is null).CompareTo(b.Vector is null));
        foreach (IndexedFile orphan in ready.Where(r => r.Vector is null && !pendingHashes.Contains(r.Hash) && !_index.ContainsHash(r.Hash)).ToList())
        {
            // A copy of content whose embedding just failed: report it like the original instead of committing a dangling entry.
            ready.Remove(orphan);
            reused--;
            failed.Add(orphan.Path);
            skipped.Add(new SkippedFile(orphan.Path, "same content as a file that could not be embedded"));
        }

        await toCommit.WriteAsync((ready, batch.Count, batch[^1].File.FullName), cancellationToken);
        return (embedded, reused);
    }

    private sealed record Prepared(FileInfo File, Candidate? Candidate, Metadata.PhotoMetadata? Metadata, DataContent? Content, SkippedFile? Problem, bool Known);

    private Metadata.Place? Geocode(Metadata.PhotoMetadata m) =>
        m is { Latitude: double lat, Longitude: double lon } && _gazetteer is not null ? _gazetteer.ReverseGeocode(lat, lon) : null;

    /// <summary>Reads the metadata of content indexed by an older version (or names places once a gazetteer exists).</summary>
    private void FillMetadata(IProgress<IndexProgress>? progress, CancellationToken cancellationToken)
    {
        IReadOnlyList<(string Hash, string Path)> pending = _index.ImagesNeedingMetadata(_gazetteer is not null);
        int done = 0;
        foreach ((string hash, string path) in pending)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Metadata.PhotoMetadata m;
            try
            {
                m = Metadata.PhotoMetadataReader.Read(ImageFile.ReadAllBytes(path, _options.MaxFileBytes));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidImageException)
            {
                continue; // the vector pass reports unreadable files; metadata is filled on a later run
            }

            _index.UpdateMetadata(hash, m, Geocode(m));
            progress?.Report(new IndexProgress("metadata", ++done, pending.Count, path));
        }
    }

    private async Task<List<(IndexedFile File, float[] Vector)>> EmbedAsync(
        List<(IndexedFile File, DataContent Content)> items, List<SkippedFile> skipped, List<string> failed, HashSet<string> pendingHashes, CancellationToken cancellationToken)
    {
        var result = new List<(IndexedFile, float[])>();
        if (items.Count == 0)
        {
            return result;
        }

        try
        {
            GeneratedEmbeddings<Embedding<float>> vectors = await _encoder.GenerateAsync(items.Select(i => i.Content), cancellationToken: cancellationToken);
            for (int i = 0; i < items.Count; i++)
            {
                result.Add((items[i].File, vectors[i].Vector.ToArray()));
            }

            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (items.Count == 1)
            {
                Fail(items[0].File, ex, skipped, failed, pendingHashes);
                return result;
            }

            // One bad image fails the whole batch: embed one by one to find it and keep the rest.
        }

        foreach ((IndexedFile file, DataContent content) in items)
        {
            try
            {
                GeneratedEmbeddings<Embedding<float>> v = await _encoder.GenerateAsync([content], cancellationToken: cancellationToken);
                result.Add((file, v[0].Vector.ToArray()));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Fail(file, ex, skipped, failed, pendingHashes);
            }
        }

        return result;
    }

    private static void Fail(IndexedFile file, Exception ex, List<SkippedFile> skipped, List<string> failed, HashSet<string> pendingHashes)
    {
        string reason = ex is InvalidImageException ? Innermost(ex.Message) : $"the model failed on it: {ex.Message}";
        skipped.Add(new SkippedFile(file.Path, reason));
        failed.Add(file.Path);
        pendingHashes.Remove(file.Hash);
    }

    private static string Innermost(string message)
    {
        int colon = message.IndexOf("): ", StringComparison.Ordinal);
        return colon >= 0 ? message[(colon + 3)..] : message;
    }

    private Candidate? Read(FileInfo f, List<SkippedFile> skipped)
    {
        byte[] data;
        try
        {
            f.Refresh();
            data = ImageFile.ReadAllBytes(f.FullName, _options.MaxFileBytes);
        }
        catch (InvalidImageException ex)
        {
            skipped.Add(new SkippedFile(f.FullName, ex.Message));
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            skipped.Add(new SkippedFile(f.FullName, $"unreadable: {ex.Message}"));
            return null;
        }

        if (data.Length == 0)
        {
            skipped.Add(new SkippedFile(f.FullName, "empty file (0 bytes)"));
            return null;
        }

        ImageInfo info;
        try
        {
            info = ImageLoader.Identify(data);
            ImageLoader.EnsureWithinLimit(info, _options.MaxPixels);
        }
        catch (InvalidImageException ex)
        {
            skipped.Add(new SkippedFile(f.FullName, ex.Message));
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            // A decoder bug on a hostile file must never stop the run.
            skipped.Add(new SkippedFile(f.FullName, $"the image could not be read: {ex.GetType().Name}: {ex.Message}"));
            return null;
        }

        return new Candidate(Convert.ToHexStringLower(SHA256.HashData(data)), data.LongLength, f.LastWriteTimeUtc.Ticks, info, data);
    }

    private sealed record Candidate(string Hash, long Size, long ModifiedTicks, ImageInfo Info, byte[] Data);
}
