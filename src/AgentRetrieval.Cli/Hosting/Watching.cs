using System.Globalization;
using AgentRetrieval.Indexing;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>
/// Keeps an index following folders that change, for the commands that stay running (<c>index --watch</c>, <c>serve</c>,
/// <c>chat</c>, <c>mcp --allow-index</c>): each batch of changes re-indexes the folder incrementally (new and changed
/// photos embedded, moved ones recognised by content, deleted ones removed), then reads the text of the new ones.
/// </summary>
internal static class Watching
{
    /// <summary>Starts watching; dispose to stop (the OCR models, loaded once for every batch, are released then).</summary>
    /// <param name="settings">Settings (Watch, Indexing).</param>
    /// <param name="index">The index.</param>
    /// <param name="model">The encoders.</param>
    /// <param name="roots">The folders.</param>
    /// <param name="confineTo">Folders the files must really lie in (requests from the page or MCP), or null.</param>
    /// <param name="say">Where progress lines go.</param>
    /// <param name="activity">Receives "indexing N new or changed photos" while a batch runs, then null.</param>
    /// <param name="last">Receives what each batch did.</param>
    public static IAsyncDisposable Start(CliSettings settings, EmbeddedImageIndex index, Encoders model, IReadOnlyList<string> roots, IReadOnlyList<string>? confineTo,
        Action<string> say, Action<string?>? activity = null, Action<string>? last = null)
    {
        Onnx.Ocr.PaddleOcrRecognizer? ocr = TextRecognition.TryLoad(settings);
        var watcher = new FolderWatcher(roots, async (batch, ct) =>
        {
            string what = batch.ChangedPaths.Count > 0
                ? string.Create(CultureInfo.InvariantCulture, $"indexing {batch.ChangedPaths.Count} new or changed photo{(batch.ChangedPaths.Count == 1 ? "" : "s")}")
                : "rescanning";
            activity?.Invoke(what);
            say($"{batch.Root}: {what}{(batch.Rescan && batch.ChangedPaths.Count > 0 ? " (and rescanning the folder)" : "")}…");
            try
            {
                IndexReport report = await new FolderIndexer(model.Images, model.Identity, index, settings.Indexing, gazetteer: Places.Gazetteer).IndexAsync(batch.Root, confineTo, null, ct);
                string done = string.Create(CultureInfo.InvariantCulture,
                    $"watch: {report.Embedded} embedded, {report.Reused} recognised by content (moved, renamed or copied), {report.Removed} removed, {report.Skipped.Count} skipped; the index holds {report.IndexedImages} image{(report.IndexedImages == 1 ? "" : "s")}.");
                say(done);
                last?.Invoke(done);
                foreach (SkippedFile s in report.Skipped.Take(10))
                {
                    say($"  skipped {s.Path}: {s.Reason}");
                }

                if (ocr is not null)
                {
                    await new TextPass(ocr, index, settings.Indexing).RunAsync(null, ct);
                }
            }
            finally
            {
                activity?.Invoke(null);
            }
        }, settings.Watch, say);
        say(watcher.Polled.Count == watcher.Roots.Count
            ? $"watching {string.Join(", ", watcher.Roots)} (rescanned every {settings.Watch.PollInterval.TotalSeconds:0} s: no change notifications there)"
            : $"watching {string.Join(", ", watcher.Roots)} for new, changed, moved and deleted photos");
        return new Session(watcher, ocr);
    }

    private sealed class Session(FolderWatcher watcher, IDisposable? ocr) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await watcher.DisposeAsync();
            ocr?.Dispose();
        }
    }
}
