using AgentRetrieval.Indexing;
using AgentRetrieval.Onnx.Ocr;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>Loads the OCR models and runs the text pass, for the commands that index.</summary>
internal static class TextRecognition
{
    /// <summary>The recogniser, or null when OCR is off (Indexing:Ocr) or its models are missing (said once).</summary>
    public static PaddleOcrRecognizer? TryLoad(CliSettings settings)
    {
        if (!settings.Indexing.Ocr)
        {
            return null;
        }

        string dir = settings.Indexing.OcrModelDirectory is { Length: > 0 } d ? CliSettings.ExpandPath(d) : PaddleOcrFiles.DefaultDirectory;
        try
        {
            return new PaddleOcrRecognizer(PaddleOcrFiles.Find(dir), settings.Clip.IntraOpThreads, settings.Indexing.MaxPixels);
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or IOException)
        {
            Ui.Info($"note: the text in the pictures is not recognised: {ex.Message} Building from source fetches the PaddleOCR models; Indexing:Ocr=false turns this off.");
            return null;
        }
    }

    /// <summary>
    /// Starts the text pass in the background (for chat and serve: search works at once, text fills in); dispose the
    /// handle to stop it and wait for the image in flight.
    /// </summary>
    public static BackgroundPass StartInBackground(CliSettings settings, EmbeddedImageIndex index, CancellationToken token)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
        Task task = Task.Run(async () =>
        {
            TextPassReport? report = await RunAsync(settings, index, cts.Token, quiet: true);
            if (report is { Recognized: > 0 })
            {
                Ui.Info($"(text in pictures: {report.Recognized} images read, {report.WithText} with text)");
            }
        }, cts.Token);
        return new BackgroundPass(cts, task);
    }

    /// <summary>A pass running in the background.</summary>
    internal sealed class BackgroundPass(CancellationTokenSource cts, Task task) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await cts.CancelAsync();
            try
            {
                await task;
            }
            catch (OperationCanceledException)
            {
                // Stopped on purpose; the next run resumes where it was.
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
            {
                Ui.Info($"note: the text-in-pictures pass stopped: {ex.Message}");
            }
            finally
            {
                cts.Dispose();
            }
        }
    }

    /// <summary>Runs the text pass with a progress line every few seconds on standard error.</summary>
    public static async Task<TextPassReport?> RunAsync(CliSettings settings, EmbeddedImageIndex index, CancellationToken token, bool quiet = false)
    {
        using PaddleOcrRecognizer? ocr = TryLoad(settings);
        if (ocr is null)
        {
            return null;
        }

        var sw = System.Diagnostics.Stopwatch.StartNew();
        long last = -1;
        var progress = new SynchronousProgress<IndexProgress>(p =>
        {
            if (quiet || p.Total == 0 || (p.Done != p.Total && last >= 0 && sw.ElapsedMilliseconds - last < 5000))
            {
                return;
            }

            last = sw.ElapsedMilliseconds;
            double rate = p.Done / Math.Max(sw.Elapsed.TotalSeconds, 1e-3);
            double eta = rate > 0 ? (p.Total - p.Done) / rate : 0;
            Ui.Info($"text in pictures: {p.Done}/{p.Total} images read, {rate:0.0} images/s, about {eta:0}s left");
        });
        return await new TextPass(ocr, index, settings.Indexing).RunAsync(progress, token);
    }
}
