using AgentRetrieval.Indexing;
using AgentRetrieval.Models;
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

        try
        {
            (string dir, string detectors) = Locate(settings);
            return new PaddleOcrRecognizer(PaddleOcrFiles.Find(dir, detectors), settings.Clip.IntraOpThreads, settings.Indexing.MaxPixels);
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or IOException)
        {
            Ui.Info($"note: the text in the pictures is not recognised: {ex.Message} 'agentretrieval models pull {BundledModelName}' installs the PaddleOCR models " +
                "(building from source also fetches them); Indexing:Ocr=false turns this off.");
            return null;
        }
    }

    /// <summary>The manifest name of the PP-OCRv4 mobile models the build bundles.</summary>
    public const string BundledModelName = "ppocr-v4-mobile";

    /// <summary>
    /// The OCR model folder (Indexing:OcrModelDirectory: empty for the bundled models, a manifest name installed with
    /// <c>models pull</c>, or a folder) and where the detector and classifier come from when that folder has only a
    /// recognition model (the bundled ones, else an installed ppocr-v4-mobile).
    /// </summary>
    /// <exception cref="FileNotFoundException">A named model is not installed; says how to install it.</exception>
    public static (string Directory, string DetectorDirectory) Locate(CliSettings settings)
    {
        string installed = Path.Combine(settings.Models.Directory, BundledModelName);
        string detectors = Directory.Exists(PaddleOcrFiles.DefaultDirectory) || !ModelDownloader.IsInstalled(installed) ? PaddleOcrFiles.DefaultDirectory : installed;
        string configured = settings.Indexing.OcrModelDirectory;
        if (configured is not { Length: > 0 })
        {
            return (detectors, detectors);
        }

        if (configured.IndexOfAny(['/', '\\']) < 0 && !configured.StartsWith('~') && !Directory.Exists(configured) &&
            File.Exists(settings.ManifestPath) &&
            ModelManifest.Load(settings.ManifestPath).Models.FirstOrDefault(m => m.Kind == "ocr" && string.Equals(m.Name, configured, StringComparison.OrdinalIgnoreCase)) is { } entry)
        {
            string dir = Path.Combine(settings.Models.Directory, entry.Name);
            return ModelDownloader.IsInstalled(dir)
                ? (dir, detectors)
                : throw new FileNotFoundException($"The OCR model '{entry.Name}' is not installed; run 'agentretrieval models pull {entry.Name}'.");
        }

        return (CliSettings.ExpandPath(configured), detectors);
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
    public static async Task<TextPassReport?> RunAsync(CliSettings settings, EmbeddedImageIndex index, CancellationToken token, bool quiet = false, IProgress<IndexProgress>? also = null)
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
            also?.Report(p);
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
